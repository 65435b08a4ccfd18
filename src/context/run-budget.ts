import { diag, type Span } from '@opentelemetry/api';
import type { TokenUsage } from '../cost/usage';
import { reportOnce } from '../internal/report-once';
import { errorText } from './error-text';
import { EVENT_AGENTSPAN_BUDGET_EXCEEDED } from '../semconv/attributes';
import { BudgetExceededError } from './budget-exceeded-error';

/** `@Agent({ budget })`: limits of one run of the agent, checked in memory as the run goes. */
export interface BudgetOptions {
  /** US dollars the run may spend: costs known in the process (see README, "Budget"). */
  maxCostUsd?: number;
  /** Input + output tokens of the run's model calls. */
  maxTokens?: number;
  /** `warn` (default): a diag warning and an event on the agent span, once. `throw`: also refuse further calls. */
  onExceed?: 'warn' | 'throw';
}

/**
 * What one agent run has spent so far, in memory: no database read. Model usage, provided costs and tool costs of
 * every call inside the run (nested agents included) are added as they are recorded. The first time a limit is
 * passed it says so once — a diag warning and an `agentspan.budget.exceeded` event on the agent span — and with
 * `onExceed: 'throw'` every later decorated call of the run is refused with a BudgetExceededError.
 */
export class RunBudget {
  private costUsd = 0;
  private tokens = 0;
  private exceeded: 'maxCostUsd' | 'maxTokens' | undefined;

  constructor(
    private readonly options: BudgetOptions,
    private readonly agentName: string,
    private readonly agentSpan: Span,
  ) {}

  add(usage: TokenUsage | undefined, costUsd: number | undefined): void {
    this.tokens += (usage?.inputTokens ?? 0) + (usage?.outputTokens ?? 0);
    if (costUsd !== undefined) this.costUsd += costUsd;
    if (this.exceeded !== undefined) return;
    const { maxCostUsd, maxTokens } = this.options;
    if (maxCostUsd !== undefined && this.costUsd > maxCostUsd) this.exceeded = 'maxCostUsd';
    else if (maxTokens !== undefined && this.tokens > maxTokens) this.exceeded = 'maxTokens';
    else return;
    const error = this.error()!;
    try {
      if (this.agentSpan.isRecording()) {
        this.agentSpan.addEvent(EVENT_AGENTSPAN_BUDGET_EXCEEDED, {
          'agentspan.budget.limit': this.exceeded,
          'agentspan.budget.spent_cost_usd': this.costUsd,
          'agentspan.budget.spent_tokens': this.tokens,
        });
      }
    } catch {
      // An ended or broken span must not stop the accounting.
    }
    if ((this.options.onExceed ?? 'warn') === 'warn') {
      try {
        diag.warn(error.message.replace('; the call was not started', ''));
      } catch {
        // A user diag logger that throws must not reach the caller.
      }
    }
  }

  /** The error a call must be refused with, when the run is over budget and asked for that. */
  refusal(): BudgetExceededError | undefined {
    return this.options.onExceed === 'throw' ? this.error() : undefined;
  }

  private error(): BudgetExceededError | undefined {
    if (this.exceeded === undefined) return undefined;
    const { maxCostUsd, maxTokens } = this.options;
    return new BudgetExceededError(this.agentName, this.exceeded, maxCostUsd, maxTokens, this.costUsd, this.tokens);
  }
}

/** Adds usage and cost to every budget of the runs a call is inside. Never throws. */
export function chargeBudgets(
  budgets: readonly RunBudget[] | undefined,
  usage: TokenUsage | undefined,
  costUsd: number | undefined,
): void {
  if (budgets === undefined) return;
  for (const budget of budgets) {
    try {
      budget.add(usage, costUsd);
    } catch (error) {
      reportOnce('budget-failed', `budget accounting failed: ${errorText(error)}`);
    }
  }
}
