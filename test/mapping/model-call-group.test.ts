import { SpanKind, trace, type Attributes } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { ModelCallGroup } from '../../src/mapping/model-call-group';
import { installTracing } from '../support/tracing';

const tracing = installTracing();
beforeEach(() => tracing.reset());

/** A finished span of another instrumentation carrying these attributes (what the group's rule reads). */
function callSpan(name: string, attributes: Attributes): ReadableSpan {
  trace.getTracer('some-instrumentation').startSpan(name, { kind: SpanKind.CLIENT, attributes }).end();
  return tracing.span(name);
}

const INPUT_OUTPUT = {
  'gen_ai.operation.name': 'chat',
  'gen_ai.usage.input_tokens': 1200,
  'gen_ai.usage.output_tokens': 300,
};
const EVERYTHING = {
  ...INPUT_OUTPUT,
  'gen_ai.usage.cache_read.input_tokens': 1000,
  'gen_ai.usage.reasoning.output_tokens': 0,
};
const NOTHING = { 'gen_ai.operation.name': 'chat' };

/** Builds a group: node 0 is `outer`, then each member with the node of its nearest model-call ancestor. */
function group(outer: ReadableSpan, members: Array<[ReadableSpan, number]>): ModelCallGroup {
  const result = new ModelCallGroup();
  for (const [span, parent] of members) result.hold(result.addMember(parent), span, undefined);
  result.finish(outer);
  return result;
}

describe('one model call described by several spans', () => {
  it('counts the span that reports most, once: a wrapper that read the full usage over an instrumentation that did not', () => {
    const wrapper = callSpan('wrapper', EVERYTHING);
    const inner = callSpan('inner', INPUT_OUTPUT);
    const calls = group(wrapper, [[inner, 0]]);
    expect([calls.isCounted(wrapper), calls.isCounted(inner)]).toEqual([true, false]);
  });

  it('counts the inner span when it reports more (a wrapper whose method returned no usage)', () => {
    const wrapper = callSpan('wrapper', NOTHING);
    const inner = callSpan('inner', INPUT_OUTPUT);
    const calls = group(wrapper, [[inner, 0]]);
    expect([calls.isCounted(wrapper), calls.isCounted(inner)]).toEqual([false, true]);
  });

  it('on a tie counts the innermost, nearest the provider, through three levels', () => {
    const wrapper = callSpan('wrapper', INPUT_OUTPUT);
    const instrumentation = callSpan('instrumentation', INPUT_OUTPUT);
    const sdk = callSpan('sdk', INPUT_OUTPUT);
    const calls = group(wrapper, [
      [instrumentation, 0],
      [sdk, 1],
    ]);
    expect([wrapper, instrumentation, sdk].map((span) => calls.isCounted(span))).toEqual([false, false, true]);
  });

  it('a cost of its own counts as a figure too', () => {
    const wrapper = callSpan('wrapper', { ...INPUT_OUTPUT, 'agentspan.cost.usd': 0.01 });
    const inner = callSpan('inner', INPUT_OUTPUT);
    expect(group(wrapper, [[inner, 0]]).isCounted(wrapper)).toBe(true);
  });
});

describe('a span around several calls', () => {
  it('is not counted; each call below it is (a retry, a loop)', () => {
    const wrapper = callSpan('wrapper', EVERYTHING);
    const first = callSpan('first', NOTHING);
    const second = callSpan('second', INPUT_OUTPUT);
    const calls = group(wrapper, [
      [first, 0],
      [second, 0],
    ]);
    expect([wrapper, first, second].map((span) => calls.isCounted(span))).toEqual([false, true, true]);
  });

  it('keeps the one-call rule below it: each call with the spans that wrap only it', () => {
    const wrapper = callSpan('wrapper', EVERYTHING);
    const a = callSpan('instrumentation a', INPUT_OUTPUT);
    const aSdk = callSpan('sdk a', EVERYTHING);
    const b = callSpan('instrumentation b', EVERYTHING);
    const bSdk = callSpan('sdk b', INPUT_OUTPUT);
    const calls = group(wrapper, [
      [a, 0],
      [aSdk, 1],
      [b, 0],
      [bSdk, 3],
    ]);
    expect([wrapper, a, aSdk, b, bSdk].map((span) => calls.isCounted(span))).toEqual([false, false, true, true, false]);
  });
});

it('a call whose outermost span never ended: its held spans are each counted when released', () => {
  const calls = new ModelCallGroup();
  const inner = callSpan('inner', INPUT_OUTPUT);
  calls.hold(calls.addMember(0), inner, undefined);
  expect(calls.releaseUnfinished().map((held) => held.span)).toEqual([inner]);
  expect(calls.isCounted(inner)).toBe(true);
});

it('a member that ended after the outermost span is no part of the decision', () => {
  const wrapper = callSpan('wrapper', NOTHING);
  const calls = new ModelCallGroup();
  calls.addMember(0); // started below the wrapper, still running when the wrapper ended
  calls.finish(wrapper);
  expect(calls.isCounted(wrapper)).toBe(true);
});
