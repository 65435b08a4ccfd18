import { Agent, Trace } from '../../src/instrument';
import { installTracing } from '../support/tracing';

declare const DECORATOR_DIALECT: 'legacy' | 'standard';
const tracing = installTracing();

// Proves each jest project really compiles its decorator tests in the dialect it claims.
it(`compiles decorators in the ${DECORATOR_DIALECT} dialect and traces under it`, async () => {
  const seen: number[] = [];
  const probe = (...args: any[]): any => {
    seen.push(args.length);
    return undefined;
  };
  @Agent({ name: 'Dialect' })
  class Probe {
    @probe
    @Trace()
    async run() {
      return DECORATOR_DIALECT;
    }
  }
  await expect(new Probe().run()).resolves.toBe(DECORATOR_DIALECT);
  expect(seen).toEqual([DECORATOR_DIALECT === 'legacy' ? 3 : 2]);
  expect(tracing.span('invoke_agent Dialect').attributes['gen_ai.agent.name']).toBe('Dialect');
});
