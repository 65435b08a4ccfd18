import { Agent, Decision, LLM, Tool, Trace, traced } from '../../src/instrument';

/**
 * A misspelt option is refused when the class is defined, in JavaScript as TypeScript refuses it in an object literal
 * (excess property check: the `@ts-expect-error` lines below fail `npm run typecheck` if TypeScript ever accepts them).
 * Options held in a variable escape TypeScript's check; at run time they are refused all the same.
 */
describe('decorator options: unknown keys are refused when the class is defined', () => {
  it('@Tool({ nmae }) throws a TypeError naming the key, with the key it most likely meant', () => {
    expect(() => {
      class Tools {
        // @ts-expect-error nmae is not an option of @Tool
        @Tool({ nmae: 'web_search' })
        async search() {
          return 'results';
        }
      }
      return Tools;
    }).toThrow(new TypeError('agentspan: unknown @Tool option nmae (did you mean name?)'));
  });

  it('every decorator and traced() refuses a key of its own options type only', () => {
    // @ts-expect-error captureInputs is not an option
    expect(() => Trace({ captureInputs: false })).toThrow(
      'agentspan: unknown @Trace option captureInputs (did you mean captureInput?)',
    );
    // @ts-expect-error model is an option of @LLM, not of @Decision
    expect(() => Decision({ model: 'gpt-4o' })).toThrow('agentspan: unknown @Decision option model');
    // @ts-expect-error Provider is spelt provider
    expect(() => LLM({ Provider: 'openai' })).toThrow(
      'agentspan: unknown @LLM option Provider (did you mean provider?)',
    );
    // @ts-expect-error costUsd is an option of @Tool, not of @LLM
    expect(() => LLM({ costUsd: 1 })).toThrow('agentspan: unknown @LLM option costUsd');
    // @ts-expect-error verison is spelt version
    expect(() => Agent({ name: 'A', verison: '1' })).toThrow(
      'agentspan: unknown @Agent option verison (did you mean version?)',
    );
    // @ts-expect-error maxToken is spelt maxTokens
    expect(() => Agent({ budget: { maxToken: 5 } })).toThrow(
      'agentspan: unknown @Agent option budget.maxToken (did you mean budget.maxTokens?)',
    );
    // @ts-expect-error knd is spelt kind
    expect(() => traced(() => 1, { knd: 'tool' })).toThrow(
      'agentspan: unknown traced() option knd (did you mean kind?)',
    );
    // @ts-expect-error nmae is spelt name
    expect(() => traced(() => 1, { kind: 'agent', agent: { nmae: 'A' } })).toThrow(
      'agentspan: unknown traced() option agent.nmae (did you mean agent.name?)',
    );
    // A key nothing resembles gets no hint.
    // @ts-expect-error retries is not an option
    expect(() => Tool({ retries: 3 })).toThrow(/^agentspan: unknown @Tool option retries$/);
  });

  it('refuses options held in a variable, which TypeScript lets through', () => {
    const shared = { name: 'lookup', provider: 'openai' };
    expect(() => Tool(shared)).toThrow('agentspan: unknown @Tool option provider');
    expect(() => LLM(shared)).not.toThrow();
  });

  it('accepts every option of each type', () => {
    const span = {
      name: 'n',
      captureInput: true,
      captureOutput: false,
      attributes: { a: 1 },
      mapInput: (args: unknown[]) => args,
      mapOutput: (result: unknown) => result,
    };
    expect(() => Trace(span)).not.toThrow();
    expect(() => Decision(span)).not.toThrow();
    expect(() => Tool({ ...span, description: 'd', type: 'function', costUsd: 0.1 })).not.toThrow();
    expect(() => LLM({ ...span, provider: 'openai', model: 'gpt-4o', operation: 'chat' })).not.toThrow();
    expect(() =>
      Agent({ name: 'A', version: '1', description: 'd', id: 'a-1', budget: { maxTokens: 5, onExceed: 'warn' } }),
    ).not.toThrow();
    expect(() =>
      traced(() => 1, {
        ...span,
        kind: 'tool',
        description: 'd',
        type: 'function',
        costUsd: 0.1,
        provider: 'openai',
        model: 'gpt-4o',
        operation: 'chat',
      }),
    ).not.toThrow();
    expect(() => traced(() => 1, { kind: 'agent', agent: { name: 'A', budget: { maxCostUsd: 1 } } })).not.toThrow();
  });
});
