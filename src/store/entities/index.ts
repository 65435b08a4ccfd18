import { AgentDecision } from './agent-decision.entity';
import { AgentEvent } from './agent-event.entity';
import { AgentExecution } from './agent-execution.entity';
import { AgentPerformance } from './agent-performance.entity';
import { ModelPrice } from './model-price.entity';

export { AgentDecision, AgentEvent, AgentExecution, AgentPerformance, ModelPrice };

/** Every entity, as classes, for `DataSource({ entities })`. */
export const agentspanEntities = [AgentExecution, AgentPerformance, AgentDecision, AgentEvent, ModelPrice];
