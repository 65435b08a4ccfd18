import { configureCapture } from '../../src/capture/settings';
import { AgentSpanProcessor } from '../../src/export/agent-span-processor';
import type { RecordExporter } from '../../src/export/record-exporter';
import { validateTelemetryOptions, type AgentTelemetryOptions } from '../../src/setup/options';

/**
 * Every options object of the setup refuses a key its type does not have, with a TypeError naming it (and the key it
 * most likely meant): in JavaScript a misspelt option would otherwise be ignored without a word. The `@ts-expect-error`
 * lines show TypeScript refusing the same literals.
 */
/** What startAgentTelemetry checks first, with its parameter's type (validateTelemetryOptions takes unknown). */
const check = (options: AgentTelemetryOptions) => validateTelemetryOptions(options);

const nowhere: RecordExporter = {
  export: async () => ({ written: 0, rejected: [] }),
  isTransientError: () => false,
};

describe('unknown option keys', () => {
  it('startAgentTelemetry', () => {
    // @ts-expect-error serviceNmae is spelt serviceName
    expect(() => check({ serviceNmae: 'x' })).toThrow(
      new TypeError('agentspan: unknown startAgentTelemetry option serviceNmae (did you mean serviceName?)'),
    );
    // @ts-expect-error warning is spelt warnings
    expect(() => check({ warning: false })).toThrow(/option warning \(did you mean warnings\?\)/);
    // @ts-expect-error headrs is spelt headers
    expect(() => check({ otlp: { headrs: {} } })).toThrow(/otlp\.headrs \(did you mean otlp\.headers\?\)/);
    expect(
      validateTelemetryOptions({ otlp: { url: 'http://c:4318/v1/traces', headers: {} }, warnings: false }),
    ).toEqual({ otlp: { url: 'http://c:4318/v1/traces', headers: {} }, warnings: false });
  });

  it('AgentSpanProcessor, at the top and in its nested options, before it starts anything', () => {
    // @ts-expect-error shutdownTimeout is spelt shutdownTimeoutMs
    expect(() => new AgentSpanProcessor({ shutdownTimeout: 5 }, nowhere)).toThrow(
      new TypeError('agentspan: unknown AgentSpanProcessor option shutdownTimeout (did you mean shutdownTimeoutMs?)'),
    );
    const nested: Array<[object, RegExp]> = [
      [{ queue: { maxBatch: 5 } }, /option queue\.maxBatch$/],
      [{ queue: { retry: { jiter: 'full' } } }, /option queue\.retry\.jiter \(did you mean queue\.retry\.jitter\?\)/],
      [
        { breaker: { failureTreshold: 2 } },
        /option breaker\.failureTreshold \(did you mean breaker\.failureThreshold\?\)/,
      ],
      [{ spill: { directory: '/tmp/x', maxbytes: 5 } }, /option spill\.maxbytes \(did you mean spill\.maxBytes\?\)/],
      [{ staleRuns: { checkInterval: 5 } }, /option staleRuns\.checkInterval/],
      [{ writer: { chunksize: 5 } }, /option writer\.chunksize \(did you mean writer\.chunkSize\?\)/],
      [{ warnings: 'no' }, /option warnings must be a boolean/],
    ];
    for (const [options, message] of nested) {
      expect(() => new AgentSpanProcessor(options as never, nowhere)).toThrow(message);
    }
  });

  it('configureCapture, and its redaction options', () => {
    // @ts-expect-error maxDept is spelt maxDepth
    expect(() => configureCapture({ maxDept: 4 })).toThrow(
      new TypeError('agentspan: unknown capture option maxDept (did you mean maxDepth?)'),
    );
    // @ts-expect-error pattern is spelt patterns
    expect(() => configureCapture({ redaction: { pattern: [/x/] } })).toThrow(
      /unknown capture option redaction\.pattern \(did you mean redaction\.patterns\?\)/,
    );
    configureCapture({});
  });
});
