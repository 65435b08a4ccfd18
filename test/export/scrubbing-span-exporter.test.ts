import { trace } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { configureCapture } from '../../src/capture/settings';
import { ScrubbingSpanExporter } from '../../src/export/scrubbing-span-exporter';
import { installTracing } from '../support/tracing';

const tracing = installTracing();
beforeEach(() => tracing.reset());
afterEach(() => configureCapture({}));

function exportThrough(exporter: ScrubbingSpanExporter): Promise<number> {
  return new Promise((resolve) => exporter.export(tracing.spans(), (result) => resolve(result.code)));
}

it('hands the wrapped exporter scrubbed copies and leaves the spans themselves untouched', async () => {
  trace
    .getTracer('x')
    .startSpan('GET /?password=hunter2hunter2', {
      attributes: { note: 'sk-proj-AbCdEfGhIjKlMnOpQrStUvWx', 'agentspan.tenant.id': 'Token customer01' },
    })
    .end();
  const inner = new InMemorySpanExporter();
  expect(await exportThrough(new ScrubbingSpanExporter(inner))).toBe(ExportResultCode.SUCCESS);
  const [exported] = inner.getFinishedSpans();
  expect(exported!.name).toBe('GET /?password=[REDACTED]');
  expect(exported!.attributes).toEqual({ note: '[REDACTED]', 'agentspan.tenant.id': 'Token customer01' });
  expect(exported!.spanContext()).toEqual(tracing.spans()[0]!.spanContext());
  expect(tracing.spans()[0]!.attributes.note).toBe('sk-proj-AbCdEfGhIjKlMnOpQrStUvWx');
});

it('fails closed: a span your redactor cannot scrub is not exported, and counted; the others are', async () => {
  configureCapture({
    redaction: {
      redactor: (value) => {
        if (value.includes('poison')) throw new Error('cannot');
        return value;
      },
    },
  });
  trace.getTracer('x').startSpan('fine').end();
  trace.getTracer('x').startSpan('poison').end();
  const inner = new InMemorySpanExporter();
  const exporter = new ScrubbingSpanExporter(inner);
  expect(await exportThrough(exporter)).toBe(ExportResultCode.SUCCESS);
  expect(inner.getFinishedSpans().map((span) => span.name)).toEqual(['fine']);
  expect(exporter.scrubFailed).toBe(1);
  expect(tracing.diagMessages.join('\n')).toContain('could not be scrubbed');
});

it('refuses something that is not an exporter', () => {
  expect(() => new ScrubbingSpanExporter({} as never)).toThrow(TypeError);
});
