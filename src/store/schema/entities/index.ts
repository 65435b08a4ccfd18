import { AgentDecision } from './agent-decision.entity';
import { AgentEvent } from './agent-event.entity';
import { AgentExecution } from './agent-execution.entity';
import { AgentMetricsHourly } from './agent-metrics-hourly.entity';
import { AgentPerformance } from './agent-performance.entity';
import { ModelPrice } from './model-price.entity';
import { AgentspanRollupState } from './agentspan-rollup-state.entity';

export {
  AgentDecision,
  AgentEvent,
  AgentExecution,
  AgentMetricsHourly,
  AgentPerformance,
  AgentspanRollupState,
  ModelPrice,
};

/** Every entity, as classes, for `DataSource({ entities })`. */
export const agentspanEntities = [
  AgentExecution,
  AgentPerformance,
  AgentDecision,
  AgentEvent,
  AgentMetricsHourly,
  AgentspanRollupState,
  ModelPrice,
];
