import { SpanStatusCode, trace } from '@opentelemetry/api';
import {
  Agent,
  log,
  recordDecision,
  recordQuality,
  recordUsage,
  Tool,
  Trace,
  withAgentContext,
  type AgentRunAttributes,
  type LogLevel,
} from '../../../src/instrument';
import { handmadeSpan, hrTimeOf, HOSTILE_SERVICE_NAME, type HostileHarness } from './harness';

/**
 * The table of hostile values. Each case makes spans the way an application would (decorators, the recording
 * functions, withAgentContext, another instrumentation's spans, or a bridge handing spans to the processor) and says
 * exactly what is stored for its span (the root span of what it made), or that the span is rejected and why.
 *
 * Conventions of the stored form: timestamps are ISO text with microseconds; jsonb columns are compared parsed;
 * `decisions` and `events` list every row of the span in ordinal order, and default to none, so a case without them
 * also proves that nothing was noted. A note is a `warn` event `agentspan: {subject} {problem}; {outcome}` with the
 * refused value described as `{"value": …}`.
 */
export interface HostileCase {
  readonly title: string;
  run(harness: HostileHarness): unknown;
  readonly stored: StoredForm | { rejected: string };
  /** What the decorated call returns (the same value: identity), or throws (the same error). */
  readonly returns?: unknown;
  readonly throws?: unknown;
}

export interface StoredForm {
  readonly execution?: Record<string, unknown>;
  readonly performance?: Record<string, unknown>;
  readonly decisions?: ReadonlyArray<Record<string, unknown>>;
  readonly events?: ReadonlyArray<{ level: string; message: string; attributes: unknown }>;
}

// ---------------------------------------------------------------------------------------------------------------
// Subjects: the application code the cases call.

class Subject {
  @Trace() echo(value: unknown) {
    return value;
  }
}

/** Runs a callback inside a task span; records no input or output, so only what the callback records is stored. */
class Probe {
  @Trace({ captureInput: false }) act(recording: () => void): void {
    recording();
  }
}

const inProbe = (recording: () => void) => () => new Probe().act(recording);

class NamedAtLength {
  @Trace({ name: 'n'.repeat(10_000) }) run() {
    return 1;
  }
}

@Agent({ name: 'a'.repeat(10_000), version: `v${'9'.repeat(9_999)}` })
class LongNamedAgent {
  @Trace({ captureInput: false }) run() {
    return 'done';
  }
}

class Toolbox {
  @Tool({ name: 't'.repeat(10_000), captureInput: false }) use() {
    return 'used';
  }
}

class BadlyNamed {
  @Trace({ name: 'step\u0000one\ud800', captureInput: false }) run() {
    return 'ok';
  }
}

class Attributed {
  @Trace({
    captureInput: false,
    attributes: {
      'user.id': 42,
      'session.id': ['s-1', null],
      'gen_ai.conversation.id': true,
      'gen_ai.agent.name': 'n\u0000',
      // agentspan.* is reserved: a user attribute there is left out, not stored.
      'agentspan.quality.score': 500,
    },
  })
  run() {
    return 'ok';
  }
}

class Inside {
  @Trace({ captureInput: false }) run() {
    return 'inside';
  }
}

const insideContext = (attributes: AgentRunAttributes) => () => withAgentContext(attributes, () => new Inside().run());

class Overwriter {
  @Trace() run(_topic: string) {
    // agentspan.* attributes are capture's to write; set by hand, their text is not checked as JSON.
    trace.getActiveSpan()?.setAttribute('agentspan.input', '{"unterminated": ');
    return 'ok';
  }
}

/** An error class whose name is 10,000 characters with a NUL, thrown with a NUL in its message and no stack. */
const HostileError = class extends Error {};
Object.defineProperty(HostileError, 'name', { value: `Boom\u0000${'x'.repeat(9_995)}` });
const hostileError = new HostileError('failed at \u0000 step');
Object.defineProperty(hostileError, 'stack', { value: undefined });

class Failing {
  @Trace({ captureInput: false }) run(): never {
    throw hostileError;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Hostile values.

const cyclic: Record<string, unknown> = { name: 'loop' };
cyclic.self = cyclic;

const mapInArray = new Map<string, unknown>();
const arrayWithMap: unknown[] = [mapInArray];
mapInArray.set('back', arrayWithMap);

function handler() {
  return 1;
}

const fiveMegabytes = 'x'.repeat(5 * 1024 * 1024);
const fiveMegabytesOfItems = Array.from({ length: 5_000 }, () => 'y'.repeat(1_000));
const fiveMegabyteBuffer = Buffer.alloc(5 * 1024 * 1024);

/** `{ d: { d: … } }`, `levels` objects deep, ending in `leaf`. */
function nest(levels: number, leaf: unknown, key = 'd'): unknown {
  let value = leaf;
  for (let i = 0; i < levels; i++) value = { [key]: value };
  return value;
}
function nestArrays(levels: number, leaf: unknown): unknown {
  let value = leaf;
  for (let i = 0; i < levels; i++) value = [value];
  return value;
}
const deepObject = nest(10_000, 'bottom');
const deepArray = nestArrays(100_000, 'bottom');

/** A proxy whose every trap throws, as a revoked proxy or a hostile library object does. */
const trapped = new Proxy(
  {},
  {
    get: () => {
      throw new Error('get');
    },
    ownKeys: () => {
      throw new Error('ownKeys');
    },
    getPrototypeOf: () => {
      throw new Error('getPrototypeOf');
    },
  },
);

const throwing = {
  get boom(): unknown {
    throw new Error('getter');
  },
  later: new (class Report {
    toJSON(): never {
      throw new Error('toJSON');
    }
  })(),
};

/** Attribute values of every OTel type, with null and undefined holes, and values OTel cannot hold. */
const everyType = {
  text: 'plain',
  number: 1.5,
  flag: true,
  texts: ['a', 'b'],
  numbers: [1, 2],
  flags: [true, false],
  textHoles: ['a', null, undefined],
  numberHoles: [1, null, undefined, 3],
  flagHoles: [undefined, false],
  onlyHoles: [null, undefined],
  empty: [],
  mixed: ['a', 1],
  nan: Number.NaN,
  negativeInfinity: -Infinity,
  big: 10n,
  symbol: Symbol('s'),
  fn: handler,
  nested: { self: cyclic },
  password: 'hunter2',
};

const NOT_A_COUNT = 'is not a count from 0 to 2147483647; stored as null';
const note = (message: string, value: string) => ({
  level: 'warn',
  message: `agentspan: ${message}`,
  attributes: { value },
});

/** Columns cut to their width keep width - 1 characters and end with `…`. */
const cut = (text: string, width: number) => (text.length > width ? `${text.slice(0, width - 1)}…` : text);
const truncated = (text: string, keep = 8_192) => `${text.slice(0, keep)}…[truncated, ${text.length} chars]`;

// Times of the spans handed over by a bridge.
const T = '2027-01-15T08:00:00.000Z';
const T_ISO = '2027-01-15T08:00:00.500000Z';

export const HOSTILE_CASES: HostileCase[] = [
  // --- captured values (input is the argument list, output the returned value) ---------------------------------
  {
    title: 'a cyclic object',
    run: () => new Subject().echo(cyclic),
    returns: cyclic,
    stored: {
      execution: { input: [{ name: 'loop', self: '[Circular]' }], output: { name: 'loop', self: '[Circular]' } },
    },
  },
  {
    title: 'a cycle through an array and a Map',
    run: () => new Subject().echo(arrayWithMap),
    returns: arrayWithMap,
    stored: { execution: { input: [[{ back: '[Circular]' }]], output: [{ back: '[Circular]' }] } },
  },
  {
    title: 'BigInt',
    run: () => new Subject().echo({ big: 2n ** 70n, list: [1n] }),
    stored: {
      execution: {
        input: [{ big: '1180591620717411303424', list: ['1'] }],
        output: { big: '1180591620717411303424', list: ['1'] },
      },
    },
  },
  {
    title: 'Symbols as values and as keys',
    run: () => new Subject().echo({ tag: Symbol('tag'), [Symbol('hidden')]: 1, list: [Symbol.iterator] }),
    stored: {
      execution: {
        input: [{ tag: 'Symbol(tag)', list: ['Symbol(Symbol.iterator)'] }],
        output: { tag: 'Symbol(tag)', list: ['Symbol(Symbol.iterator)'] },
      },
    },
  },
  {
    title: 'a function as the value, and functions inside one',
    run: () => new Subject().echo(handler),
    returns: handler,
    stored: { execution: { input: ['[Function handler]'], output: '[Function handler]' } },
  },
  {
    title: 'functions as members and items',
    run: () => new Subject().echo({ run() {}, n: 1, list: [handler] }),
    stored: {
      execution: { input: [{ n: 1, list: ['[Function handler]'] }], output: { n: 1, list: ['[Function handler]'] } },
    },
  },
  {
    title: 'a 5 MB string',
    run: () => new Subject().echo(fiveMegabytes),
    returns: fiveMegabytes,
    stored: { execution: { input: [truncated(fiveMegabytes)], output: truncated(fiveMegabytes) } },
  },
  {
    title: '5 MB of items',
    run: () => new Subject().echo(fiveMegabytesOfItems),
    stored: {
      execution: {
        input: [[...fiveMegabytesOfItems.slice(0, 33), '[truncated]']],
        output: [...fiveMegabytesOfItems.slice(0, 33), '[truncated]'],
      },
    },
  },
  {
    title: 'a 5 MB Buffer',
    run: () => new Subject().echo(fiveMegabyteBuffer),
    stored: { execution: { input: ['[Buffer: 5242880 bytes]'], output: '[Buffer: 5242880 bytes]' } },
  },
  {
    title: 'objects nested 10,000 deep',
    run: () => new Subject().echo(deepObject),
    returns: deepObject,
    // maxDepth 8: the output keeps 8 levels of objects, the input (inside the argument list) 7.
    stored: { execution: { input: [nest(7, '[Object]')], output: nest(8, '[Object]') } },
  },
  {
    title: 'arrays nested 100,000 deep',
    run: () => new Subject().echo(deepArray),
    stored: { execution: { input: [nestArrays(7, '[Array(1)]')], output: nestArrays(8, '[Array(1)]') } },
  },
  {
    title: 'NUL characters in keys and values',
    run: () => new Subject().echo({ 'k\u0000': 'a\u0000b' }),
    stored: { execution: { input: [{ 'k\uFFFD': 'a\uFFFDb' }], output: { 'k\uFFFD': 'a\uFFFDb' } } },
  },
  {
    title: 'lone surrogates (a valid pair is kept)',
    run: () => new Subject().echo({ high: 'x\ud800', low: '\udc00y', pair: '😀' }),
    stored: {
      execution: {
        input: [{ high: 'x\uFFFD', low: '\uFFFDy', pair: '😀' }],
        output: { high: 'x\uFFFD', low: '\uFFFDy', pair: '😀' },
      },
    },
  },
  {
    title: 'a surrogate pair where the length limit cuts',
    run: () => new Subject().echo(`${'a'.repeat(8_191)}😀`),
    // The cut never splits the pair: it keeps one character less.
    stored: {
      execution: {
        input: [`${'a'.repeat(8_191)}…[truncated, 8193 chars]`],
        output: `${'a'.repeat(8_191)}…[truncated, 8193 chars]`,
      },
    },
  },
  {
    title: 'getters and toJSON that throw',
    run: () => new Subject().echo(throwing),
    stored: {
      execution: {
        input: [{ boom: '[unreadable]', later: '[Report: toJSON failed]' }],
        output: { boom: '[unreadable]', later: '[Report: toJSON failed]' },
      },
    },
  },

  {
    title: 'a proxy that throws on every operation, among ordinary values',
    run: () => new Subject().echo({ ok: 1, trapped, list: [trapped, 2] }),
    stored: {
      execution: {
        input: [{ ok: 1, trapped: '[unreadable]', list: ['[unreadable]', 2] }],
        output: { ok: 1, trapped: '[unreadable]', list: ['[unreadable]', 2] },
      },
    },
  },

  // --- names --------------------------------------------------------------------------------------------------
  {
    title: 'a span name of 10,000 characters',
    run: () => new NamedAtLength().run(),
    stored: { execution: { name: cut('n'.repeat(10_000), 1024) } },
  },
  {
    title: 'an agent name and version of 10,000 characters',
    run: () => new LongNamedAgent().run(),
    returns: 'done',
    stored: {
      execution: {
        kind: 'agent',
        name: cut(`invoke_agent ${'a'.repeat(10_000)}`, 1024),
        agent_name: cut('a'.repeat(10_000), 256),
        agent_version: cut(`v${'9'.repeat(9_999)}`, 128),
        status: 'completed',
      },
    },
  },
  {
    title: 'a tool name of 10,000 characters',
    run: () => new Toolbox().use(),
    stored: { execution: { kind: 'tool', name: cut(`execute_tool ${'t'.repeat(10_000)}`, 1024) } },
  },
  {
    title: 'a span name with NUL and a lone surrogate',
    run: () => new BadlyNamed().run(),
    stored: { execution: { name: 'step\uFFFDone\uFFFD' } },
  },
  {
    title: 'an error named with 10,000 characters and NUL, with NUL in its message',
    run: () => new Failing().run(),
    throws: hostileError,
    stored: {
      execution: {
        status: 'failed',
        error_type: cut(`Boom\uFFFD${'x'.repeat(9_995)}`, 256),
        error_message: 'failed at \uFFFD step',
      },
      events: [
        {
          level: 'error',
          message: 'failed at \uFFFD step',
          attributes: { type: truncated(`Boom\uFFFD${'x'.repeat(9_995)}`) },
        },
      ],
    },
  },

  // --- attributes the decorator is given --------------------------------------------------------------------------
  {
    title: 'the attributes option naming stored attributes, with values of other OTel types',
    run: () => new Attributed().run(),
    stored: {
      execution: { user_id: '42', session_id: null, conversation_id: null, agent_name: 'n\uFFFD', quality_score: null },
      events: [
        note('session.id is not a string; stored as null', '["s-1",null]'),
        note('gen_ai.conversation.id is not a string; stored as null', 'true'),
      ],
    },
  },

  // --- withAgentContext ----------------------------------------------------------------------------------------
  {
    title: 'a user id of 10,000 characters',
    run: insideContext({ userId: 'u'.repeat(10_000) }),
    stored: { execution: { user_id: cut('u'.repeat(10_000), 256) } },
  },
  {
    title: 'ids with NUL, lone surrogates, a number and a BigInt',
    run: insideContext({
      userId: 'u\u0000',
      sessionId: '\ud800s',
      tenantId: 42 as never,
      conversationId: 10n as never,
    }),
    stored: { execution: { user_id: 'u\uFFFD', session_id: '\uFFFDs', tenant_id: '42', conversation_id: '10' } },
  },
  {
    title: 'ids that are neither strings nor numbers',
    run: insideContext({
      userId: {} as never,
      sessionId: ['s'] as never,
      tenantId: null as never,
      conversationId: Symbol('c') as never,
    }),
    stored: { execution: { user_id: null, session_id: null, tenant_id: null, conversation_id: null } },
  },
  {
    title: 'metadata with a cycle, a BigInt, a Symbol and a function',
    run: () => {
      const metadata: Record<string, unknown> = { issue: 1n, s: Symbol('x'), fn: handler };
      metadata.self = metadata;
      return insideContext({ metadata })();
    },
    // The context keeps a merged copy of the metadata: the cycle closes one level down, at the original object.
    stored: {
      execution: {
        metadata: { issue: '1', s: 'Symbol(x)', self: { issue: '1', s: 'Symbol(x)', self: '[Circular]' } },
      },
    },
  },
  {
    title: 'metadata that is not an object',
    run: insideContext({ metadata: 'plain' as never }),
    stored: { execution: { metadata: null } },
  },

  // --- recordUsage ---------------------------------------------------------------------------------------------
  {
    title: 'negative, NaN, infinite and non-number token counts',
    run: inProbe(() =>
      recordUsage({
        inputTokens: -5,
        outputTokens: Number.NaN,
        cacheReadTokens: Infinity,
        cacheWriteTokens: 7,
        reasoningTokens: '12' as never,
      }),
    ),
    stored: {
      performance: {
        input_tokens: null,
        output_tokens: null,
        cache_read_tokens: null,
        cache_write_tokens: 7,
        reasoning_tokens: null,
      },
      events: [
        note('recordUsage inputTokens is not a finite number >= 0; not recorded', '-5'),
        note('recordUsage outputTokens is not a finite number >= 0; not recorded', 'NaN'),
        note('recordUsage cacheReadTokens is not a finite number >= 0; not recorded', 'Infinity'),
        note('recordUsage reasoningTokens is not a finite number >= 0; not recorded', '12'),
      ],
    },
  },
  {
    title: 'token counts too large for the integer column',
    run: inProbe(() => recordUsage({ inputTokens: 1e12, outputTokens: 2 ** 31, reasoningTokens: 2 ** 31 - 1 })),
    stored: {
      performance: { input_tokens: null, output_tokens: null, reasoning_tokens: 2_147_483_647 },
      events: [
        note(`gen_ai.usage.input_tokens ${NOT_A_COUNT}`, '1000000000000'),
        note(`gen_ai.usage.output_tokens ${NOT_A_COUNT}`, '2147483648'),
      ],
    },
  },
  {
    title: 'fractional token counts',
    run: inProbe(() => recordUsage({ inputTokens: 10.5, outputTokens: 0.4 })),
    stored: { performance: { input_tokens: 11, output_tokens: 0 } },
  },
  {
    title: 'a cost of 10^300 dollars',
    run: inProbe(() => recordUsage({ costUsd: 1e300 })),
    stored: {
      performance: { cost_usd: null, cost_source: 'unknown' },
      events: [note('agentspan.cost.usd is not an amount from 0 to 1000000; stored as null', '1e+300')],
    },
  },
  {
    title: 'negative and NaN costs',
    run: inProbe(() => {
      recordUsage({ costUsd: -1 });
      recordUsage({ costUsd: Number.NaN });
    }),
    stored: {
      performance: { cost_usd: null, cost_source: 'unknown' },
      events: [
        note('recordUsage costUsd is not a finite number >= 0; not recorded', '-1'),
        note('recordUsage costUsd is not a finite number >= 0; not recorded', 'NaN'),
      ],
    },
  },
  {
    title: 'costs below the column precision, and float sums',
    run: inProbe(() => {
      recordUsage({ costUsd: 0.1 });
      recordUsage({ costUsd: 0.2 });
      recordUsage({ costUsd: 1e-12 });
    }),
    stored: { performance: { cost_usd: '0.3000000000', cost_source: 'provided' } },
  },
  {
    title: 'a model and a provider of 10,000 characters with NUL, and ones that are not strings',
    run: inProbe(() => {
      recordUsage({ model: `m\u0000${'m'.repeat(9_998)}`, provider: 'p'.repeat(10_000) });
      recordUsage({ model: 42 as never, provider: ['x'] as never });
    }),
    stored: {
      performance: { response_model: cut(`m\uFFFD${'m'.repeat(9_998)}`, 256), provider: cut('p'.repeat(10_000), 128) },
      events: [
        note('recordUsage model is not a string; not recorded', '42'),
        note('recordUsage provider is not a string; not recorded', '["x"]'),
      ],
    },
  },

  // --- recordQuality -------------------------------------------------------------------------------------------
  {
    title: 'quality scores out of range, NaN, infinite and not numbers',
    run: inProbe(() => {
      recordQuality(80);
      recordQuality(150);
      recordQuality(-1);
      recordQuality(Number.NaN);
      recordQuality(Infinity);
      recordQuality('90' as never);
    }),
    stored: {
      execution: { quality_score: 80 },
      events: ['150', '-1', 'NaN', 'Infinity', '90'].map((value) =>
        note('recordQuality score is not a number from 0 to 100; not recorded', value),
      ),
    },
  },

  // --- recordDecision ------------------------------------------------------------------------------------------
  {
    title: 'decision confidences out of range, NaN and not numbers',
    run: inProbe(() => {
      recordDecision({ choice: 'a', confidence: 1.5 });
      recordDecision({ choice: 'b', confidence: Number.NaN });
      recordDecision({ choice: 'c', confidence: -0.1 });
      recordDecision({ choice: 'd', confidence: '0.9' as never });
    }),
    stored: {
      decisions: ['a', 'b', 'c', 'd'].map((choice) => ({
        name: 'decision',
        choice,
        alternatives: null,
        reasoning: null,
        confidence: null,
        context: null,
      })),
      events: ['1.5', 'NaN', '-0.1', '0.9'].map((value) =>
        note('recordDecision confidence is not a number from 0 to 1; left out', value),
      ),
    },
  },
  {
    title: 'a decision with hostile fields',
    run: inProbe(() =>
      recordDecision({
        name: `route\u0000${'r'.repeat(9_994)}`,
        choice: cyclic,
        alternatives: [1, undefined, null, 2n],
        reasoning: 'because '.repeat(2_000),
        confidence: 1,
        context: { sym: Symbol('s'), fn: handler, when: new Date(Number.NaN) },
      }),
    ),
    stored: {
      decisions: [
        {
          name: cut(`route\uFFFD${'r'.repeat(9_994)}`, 256),
          choice: { name: 'loop', self: '[Circular]' },
          alternatives: [1, null, null, '2'],
          reasoning: truncated('because '.repeat(2_000)),
          confidence: 1,
          context: { sym: 'Symbol(s)', when: 'Invalid Date' },
        },
      ],
    },
  },
  {
    title: 'decisions that are not objects, and a reasoning that is not a string',
    run: inProbe(() => {
      recordDecision(null as never);
      recordDecision('go' as never);
      recordDecision({ choice: 'x', reasoning: 42 as never });
    }),
    stored: {
      decisions: [
        { name: 'decision', choice: 'x', alternatives: null, reasoning: null, confidence: null, context: null },
      ],
      events: [
        note('recordDecision expects an object with a choice; nothing was recorded', 'null'),
        note('recordDecision expects an object with a choice; nothing was recorded', 'go'),
        note('recordDecision reasoning is not a string; left out', '42'),
      ],
    },
  },

  // --- log -----------------------------------------------------------------------------------------------------
  {
    title: 'log levels that do not exist and messages that are not strings',
    run: inProbe(() => {
      log('fatal' as LogLevel, 'boom');
      log('info', { step: 1, self: cyclic } as never);
      log('info', Symbol('s') as never);
      log('info', `m\u0000${'m'.repeat(9_999)}`);
    }),
    stored: {
      events: [
        { level: 'info', message: 'boom', attributes: null },
        note('log level is not one of debug, info, warn, error; logged as info', 'fatal'),
        { level: 'info', message: '{"step":1,"self":{"name":"loop","self":"[Circular]"}}', attributes: null },
        { level: 'info', message: 'Symbol(s)', attributes: null },
        { level: 'info', message: truncated(`m\uFFFD${'m'.repeat(9_999)}`), attributes: null },
      ],
    },
  },
  {
    title: 'log attributes of every OTel type, with holes, and values OTel cannot hold',
    run: inProbe(() => log('info', 'every type', everyType)),
    stored: {
      events: [
        {
          level: 'info',
          message: 'every type',
          attributes: {
            text: 'plain',
            number: 1.5,
            flag: true,
            texts: ['a', 'b'],
            numbers: [1, 2],
            flags: [true, false],
            textHoles: ['a', null, null],
            numberHoles: [1, null, null, 3],
            flagHoles: [null, false],
            onlyHoles: [null, null],
            empty: [],
            // Not one OTel type: kept as JSON text.
            mixed: '["a",1]',
            nan: 'NaN',
            negativeInfinity: '-Infinity',
            big: '10',
            nested: '{"self":{"name":"loop","self":"[Circular]"}}',
            password: '[REDACTED]',
          },
        },
      ],
    },
  },

  // --- spans of another instrumentation ------------------------------------------------------------------------
  {
    title: 'a GenAI span whose mapped attributes have the wrong OTel types',
    run: (h) =>
      h
        .foreignTracer()
        .startSpan('chat', {
          attributes: {
            'gen_ai.operation.name': 'chat',
            'gen_ai.provider.name': 42,
            'gen_ai.request.model': ['gpt', 'o1'],
            'gen_ai.response.model': true,
            'gen_ai.agent.name': [null, undefined],
            'user.id': ['u1', null],
            'session.id': 12345,
            'gen_ai.conversation.id': false,
            'agentspan.tenant.id': '',
            'gen_ai.usage.input_tokens': '500',
            'gen_ai.usage.output_tokens': [1, 2],
            'gen_ai.usage.cache_read.input_tokens': true,
            'gen_ai.usage.cache_creation.input_tokens': [],
            'gen_ai.usage.reasoning.output_tokens': 3.5,
            'agentspan.quality.score': '90',
            'agentspan.cost.usd': [0.5],
            'agentspan.metadata': [1, null, 3],
            'agentspan.input': false,
            'agentspan.output': 2.5,
          },
        })
        .end(),
    stored: {
      execution: {
        kind: 'llm',
        agent_name: null,
        user_id: null,
        session_id: '12345',
        tenant_id: null,
        conversation_id: null,
        quality_score: null,
        metadata: [1, null, 3],
        input: false,
        output: 2.5,
        service_name: cut('svc\uFFFD\uFFFD' + 's'.repeat(9_995), 256),
      },
      performance: {
        provider: '42',
        request_model: null,
        response_model: null,
        input_tokens: null,
        output_tokens: null,
        cache_read_tokens: null,
        cache_write_tokens: null,
        reasoning_tokens: 4,
        cost_usd: null,
        cost_source: 'unknown',
      },
      events: [
        note('gen_ai.agent.name is not a string; stored as null', '[null,null]'),
        note('agentspan.quality.score is not a number from 0 to 100; stored as null', '90'),
        note('user.id is not a string; stored as null', '["u1",null]'),
        note('gen_ai.conversation.id is not a string; stored as null', 'false'),
        note('agentspan.cost.usd is not an amount from 0 to 1000000; stored as null', '[0.5]'),
        note('gen_ai.request.model is not a string; stored as null', '["gpt","o1"]'),
        note('gen_ai.response.model is not a string; stored as null', 'true'),
        note(`gen_ai.usage.input_tokens ${NOT_A_COUNT}`, '500'),
        note(`gen_ai.usage.output_tokens ${NOT_A_COUNT}`, '[1,2]'),
        note(`gen_ai.usage.cache_read.input_tokens ${NOT_A_COUNT}`, 'true'),
        note(`gen_ai.usage.cache_creation.input_tokens ${NOT_A_COUNT}`, '[]'),
      ],
    },
  },
  {
    title: 'a GenAI span with negative, NaN, infinite and huge figures',
    run: (h) =>
      h
        .foreignTracer()
        .startSpan('chat', {
          attributes: {
            'gen_ai.operation.name': 'chat',
            'gen_ai.usage.input_tokens': -5,
            'gen_ai.usage.output_tokens': Number.NaN,
            'gen_ai.usage.cache_read.input_tokens': Infinity,
            'gen_ai.usage.cache_creation.input_tokens': 1e12,
            'gen_ai.usage.reasoning.output_tokens': 10,
            'agentspan.quality.score': 150,
            'agentspan.cost.usd': 5e6,
          },
        })
        .end(),
    stored: {
      execution: { quality_score: null },
      performance: {
        input_tokens: null,
        output_tokens: null,
        cache_read_tokens: null,
        cache_write_tokens: null,
        reasoning_tokens: 10,
        cost_usd: null,
        cost_source: 'unknown',
      },
      events: [
        note('agentspan.quality.score is not a number from 0 to 100; stored as null', '150'),
        note('agentspan.cost.usd is not an amount from 0 to 1000000; stored as null', '5000000'),
        note(`gen_ai.usage.input_tokens ${NOT_A_COUNT}`, '-5'),
        note(`gen_ai.usage.output_tokens ${NOT_A_COUNT}`, 'NaN'),
        note(`gen_ai.usage.cache_read.input_tokens ${NOT_A_COUNT}`, 'Infinity'),
        note(`gen_ai.usage.cache_creation.input_tokens ${NOT_A_COUNT}`, '1000000000000'),
      ],
    },
  },
  {
    title: 'a GenAI span whose totals are smaller than their parts',
    run: (h) =>
      h
        .foreignTracer()
        .startSpan('chat', {
          attributes: {
            'gen_ai.operation.name': 'chat',
            'gen_ai.usage.input_tokens': 100,
            'gen_ai.usage.cache_read.input_tokens': 1_000,
            'gen_ai.usage.output_tokens': 5,
            'gen_ai.usage.reasoning.output_tokens': 50,
          },
        })
        .end(),
    stored: {
      performance: { input_tokens: 0, cache_read_tokens: 1_000, output_tokens: 0, reasoning_tokens: 50 },
      events: [
        note('gen_ai.usage.input_tokens is less than its cache reads and writes (1000); stored as 0', '100'),
        note('gen_ai.usage.output_tokens is less than its reasoning tokens (50); stored as 0', '5'),
      ],
    },
  },
  {
    title: 'a GenAI span with hostile text: long names, NUL, lone surrogates, a secret in the status',
    run: (h) => {
      const span = h.foreignTracer().startSpan('x'.repeat(10_000), {
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.agent.name': `agent\u0000${'a'.repeat(9_994)}`,
          'gen_ai.conversation.id': 'conv\ud800',
          'gen_ai.request.model': 'm'.repeat(10_000),
          'error.type': `E${'e'.repeat(9_999)}`,
        },
      });
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'denied \u0000 for sk-abcdefghijklmnopqrstuvwx' });
      span.end();
    },
    stored: {
      execution: {
        name: cut('x'.repeat(10_000), 1024),
        agent_name: cut(`agent\uFFFD${'a'.repeat(9_994)}`, 256),
        conversation_id: 'conv\uFFFD',
        status: 'failed',
        error_type: cut(`E${'e'.repeat(9_999)}`, 256),
        error_message: 'denied \uFFFD for [REDACTED]',
      },
      performance: { request_model: cut('m'.repeat(10_000), 256) },
    },
  },
  {
    title: 'a GenAI span with events carrying hostile names and attributes',
    run: (h) => {
      const span = h.foreignTracer().startSpan('chat', { attributes: { 'gen_ai.operation.name': 'chat' } });
      span.addEvent(`e${'v'.repeat(9_999)}`, {
        text: 'a\u0000',
        holes: [1, null, undefined],
        nan: Number.NaN,
        access_token: 'secret',
      });
      span.addEvent('exception', { 'exception.message': 'bad \ud800', 'exception.type': 'T\u0000' });
      span.end();
    },
    stored: {
      events: [
        {
          level: 'info',
          message: truncated(`e${'v'.repeat(9_999)}`),
          attributes: { text: 'a\uFFFD', holes: [1, null, null], nan: 'NaN', access_token: '[REDACTED]' },
        },
        // The span did not fail: an exception event on it is a plain event, made storable.
        { level: 'error', message: 'bad \uFFFD', attributes: { type: 'T\uFFFD' } },
      ],
    },
  },
  {
    title: 'a GenAI span whose JSON attributes are not JSON, or JSON that jsonb refuses, or nested 100,000 deep',
    run: (h) =>
      h
        .foreignTracer()
        .startSpan('chat', {
          attributes: {
            'gen_ai.operation.name': 'chat',
            'agentspan.input': 'not json \u0000',
            'agentspan.output': '{"nul":"\\u0000","lone":"\\ud800"}',
            'agentspan.metadata': `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
          },
        })
        .end(),
    stored: {
      execution: {
        input: 'not json \uFFFD',
        output: { nul: '\uFFFD', lone: '\uFFFD' },
        metadata: nestArrays(8, '[Array(1)]'),
      },
    },
  },
  {
    title: 'a GenAI span that ends before it starts (the SDK clamps it)',
    run: (h) => {
      const span = h.foreignTracer().startSpan('chat', {
        attributes: { 'gen_ai.operation.name': 'chat' },
        startTime: new Date(Date.now() + 60_000),
      });
      span.end(new Date());
    },
    stored: { execution: { elapsed_ms: 0 }, performance: { duration_ms: 0 } },
  },
  {
    title: 'a GenAI span whose end time is NaN',
    run: (h) => {
      const span = h.foreignTracer().startSpan('chat', { attributes: { 'gen_ai.operation.name': 'chat' } });
      span.end(Number.NaN);
    },
    stored: {
      execution: { elapsed_ms: 0 },
      performance: { duration_ms: 0 },
      events: [
        note('end time is not a time from year 1 to 9999; stored as the start time, duration 0', '["NaN","NaN"]'),
      ],
    },
  },

  // --- spans handed over by a bridge, unchecked by the SDK ------------------------------------------------------
  {
    title: 'a bridged span whose end is before its start (clock skew)',
    run: (h) =>
      h.emit(handmadeSpan({ startTime: hrTimeOf(T, 500_000), endTime: hrTimeOf('2027-01-15T07:59:59.000Z') })),
    stored: {
      execution: { started_at: T_ISO, completed_at: T_ISO },
      performance: { duration_ms: 0 },
      events: [
        note('end time is before the start time; stored as the start time, duration 0', '2027-01-15T07:59:59.000000Z'),
      ],
    },
  },
  {
    title: 'a bridged span with an event whose time is not a time, and a parent id of the wrong length',
    run: (h) =>
      h.emit(
        handmadeSpan({
          parentSpanId: 'zz',
          startTime: hrTimeOf(T, 500_000),
          endTime: hrTimeOf('2027-01-15T08:00:01.000Z'),
          events: [{ name: 'retry', time: [Number.NaN, 0], attributes: { attempt: 2 } }],
        }),
      ),
    stored: {
      execution: { started_at: T_ISO, completed_at: '2027-01-15T08:00:01.000000Z', parent_span_id: null },
      performance: { duration_ms: 500 },
      events: [
        { level: 'info', message: 'retry', attributes: { attempt: 2 } },
        note('parent span id is not 16 characters; stored as null', 'zz'),
        note("event time is not a time from year 1 to 9999; stored as the span's start time", '["NaN",0]'),
      ],
    },
  },
  {
    title: 'a bridged span with negative nanoseconds and fractional seconds (normalized)',
    run: (h) =>
      h.emit(
        handmadeSpan({
          startTime: [1_800_000_001, -500_000_000],
          endTime: [1_800_000_000.75, 250_000_000],
        }),
      ),
    stored: {
      execution: { started_at: T_ISO, completed_at: '2027-01-15T08:00:01.000000Z' },
      performance: { duration_ms: 500 },
    },
  },

  // --- rejected: the span cannot be stored at all, or a value slipped past capture --------------------------------
  {
    title: 'a span whose start time is NaN',
    run: (h) =>
      h
        .foreignTracer()
        .startSpan('chat', { attributes: { 'gen_ai.operation.name': 'chat' }, startTime: Number.NaN })
        .end(),
    stored: { rejected: 'mapping failed: Error: start time is not a time from year 1 to 9999' },
  },
  {
    title: 'a span that starts in the year 10000',
    run: (h) =>
      h
        .foreignTracer()
        .startSpan('chat', {
          attributes: { 'gen_ai.operation.name': 'chat' },
          startTime: new Date('+010000-01-01T00:00:00Z'),
        })
        .end(new Date('+010000-01-01T00:00:01Z')),
    stored: { rejected: 'mapping failed: Error: start time is not a time from year 1 to 9999' },
  },
  {
    title: 'a span from an id generator that makes ids of the wrong length',
    run: (h) =>
      h
        .brokenIdTracer()
        .startSpan('chat', { attributes: { 'gen_ai.operation.name': 'chat' } })
        .end(),
    stored: { rejected: 'mapping failed: Error: trace id is not 32 characters' },
  },
  {
    title: 'agentspan.input overwritten by hand with text that is not JSON (reaches the database)',
    run: () => new Overwriter().run('topic'),
    returns: 'ok',
    stored: { rejected: '22P02: invalid input syntax for type json' },
  },
];

export { HOSTILE_SERVICE_NAME };
