import { CreateAgentTables1795305600000 } from './1795305600000-CreateAgentTables';
import { AddCreatedAtBrin1795910400000 } from './1795910400000-AddCreatedAtBrin';
import { BinaryCollationForIds1796000000000 } from './1796000000000-BinaryCollationForIds';
import { AddExecutionMetrics1796515200000 } from './1796515200000-AddExecutionMetrics';
import { CreateAgentMetricsHourly1796518800000 } from './1796518800000-CreateAgentMetricsHourly';
import { CreateModelPrices1796601600000 } from './1796601600000-CreateModelPrices';
import { AddCostColumns1796601600001 } from './1796601600001-AddCostColumns';
import { AddPerformanceCounted1796947200000 } from './1796947200000-AddPerformanceCounted';
import { AddRunContextIndexes1797163200000 } from './1797163200000-AddRunContextIndexes';
import { CreateRunChanges1797206400000 } from './1797206400000-CreateRunChanges';
import { TraceIdInEveryKey1797552000000 } from './1797552000000-TraceIdInEveryKey';
import { EXECUTION_COLUMNS } from '../src/store/schema/execution-columns';
import { addedColumnMigrations, type MigrationClass } from './added-columns';

/** The migrations written by hand, oldest first. */
const written: MigrationClass[] = [
  CreateAgentTables1795305600000,
  AddCreatedAtBrin1795910400000,
  BinaryCollationForIds1796000000000,
  AddExecutionMetrics1796515200000,
  CreateAgentMetricsHourly1796518800000,
  CreateModelPrices1796601600000,
  AddCostColumns1796601600001,
  AddPerformanceCounted1796947200000,
  AddRunContextIndexes1797163200000,
  CreateRunChanges1797206400000,
  TraceIdInEveryKey1797552000000,
];

/** The migration's timestamp: the 13 digits that end its name. */
const timestampOf = (migration: MigrationClass) => Number(migration.name.slice(-13));

/**
 * Every migration, oldest first, as classes: the DataSource gets these rather than a glob, which would break once
 * compiled to dist/, under jest and in a bundle. Nullable columns added to agent_executions have their migrations
 * generated from the column table (see added-columns).
 */
export const agentspanMigrations: MigrationClass[] = [
  ...written,
  ...addedColumnMigrations('agent_executions', EXECUTION_COLUMNS),
].sort((a, b) => timestampOf(a) - timestampOf(b));
