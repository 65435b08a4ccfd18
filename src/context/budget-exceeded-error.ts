/**
 * Thrown (with `onExceed: 'throw'`) by the first agentspan-decorated call an agent run tries to start once the run
 * has spent more than its budget. The one error agentspan ever raises into application code, and only when asked.
 */
export class BudgetExceededError extends Error {
  override readonly name = 'BudgetExceededError';

  constructor(
    /** The agent whose budget it is. */
    readonly agentName: string,
    /** Which limit was passed. */
    readonly limit: 'maxCostUsd' | 'maxTokens',
    readonly maxCostUsd: number | undefined,
    readonly maxTokens: number | undefined,
    /** What the run had spent when the call was refused: known costs (see RunBudget) and input + output tokens. */
    readonly spentCostUsd: number,
    readonly spentTokens: number,
  ) {
    super(
      limit === 'maxCostUsd'
        ? `agentspan: agent ${agentName} spent $${spentCostUsd} of its $${maxCostUsd} budget; the call was not started`
        : `agentspan: agent ${agentName} used ${spentTokens} tokens of its budget of ${maxTokens}; the call was not started`,
    );
  }
}
