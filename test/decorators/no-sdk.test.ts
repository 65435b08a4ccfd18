import { trace } from '@opentelemetry/api';
import {
  Agent,
  LLM,
  log,
  recordDecision,
  recordQuality,
  recordUsage,
  Trace,
  traced,
  withAgentContext,
} from '../../src/instrument';

// No OTel SDK is registered in this file: the decorators must still return the right values and stay cheap.
@Agent({ name: 'Lonely' })
class Lonely {
  @Trace() async run(x: number) {
    recordUsage({ inputTokens: 1 });
    recordQuality(50);
    recordDecision({ choice: 'a' });
    log('info', 'no sdk');
    return this.double(x);
  }
  @LLM({ model: 'm' }) double(x: number) {
    return x * 2;
  }
  @Trace() *gen() {
    yield 1;
    yield 2;
  }
}

it('returns the right values with no SDK registered', async () => {
  expect(trace.getActiveSpan()).toBeUndefined();
  const agent = new Lonely();
  await expect(agent.run(21)).resolves.toBe(42);
  expect(agent.double(2)).toBe(4);
  expect([...agent.gen()]).toEqual([1, 2]);
  expect(withAgentContext({ userId: 'u' }, () => traced((a: number) => a + 1)(1))).toBe(2);
  expect(() =>
    traced(() => {
      throw new RangeError('same');
    })(),
  ).toThrow(RangeError);
});
