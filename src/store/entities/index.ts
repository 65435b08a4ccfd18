import { AgentDecision } from './agent-decision.entity';
import { AgentEvent } from './agent-event.entity';
import { AgentExecution } from './agent-execution.entity';
import { AgentPerformance } from './agent-performance.entity';

export { AgentDecision, AgentEvent, AgentExecution, AgentPerformance };

/** Every entity, as classes, for `DataSource({ entities })`. */
export const agentspanEntities = [AgentExecution, AgentPerformance, AgentDecision, AgentEvent];
