import { CreateAgentTables1795305600000 } from './1795305600000-CreateAgentTables';
import { AddCreatedAtBrin1795910400000 } from './1795910400000-AddCreatedAtBrin';
import { BinaryCollationForIds1796000000000 } from './1796000000000-BinaryCollationForIds';
import { AddExecutionMetrics1796515200000 } from './1796515200000-AddExecutionMetrics';
import { CreateAgentMetricsHourly1796518800000 } from './1796518800000-CreateAgentMetricsHourly';
import { CreateModelPrices1796601600000 } from './1796601600000-CreateModelPrices';
import { AddCostColumns1796601600001 } from './1796601600001-AddCostColumns';
import { AddPerformanceCounted1796947200000 } from './1796947200000-AddPerformanceCounted';
import { AddInstrumentationScope1797033600000 } from './1797033600000-AddInstrumentationScope';

/**
 * Every migration, oldest first, as classes: the DataSource gets these rather than a glob, which would break once
 * compiled to dist/ and under jest.
 */
export const agentspanMigrations = [
  CreateAgentTables1795305600000,
  AddCreatedAtBrin1795910400000,
  BinaryCollationForIds1796000000000,
  AddExecutionMetrics1796515200000,
  CreateAgentMetricsHourly1796518800000,
  CreateModelPrices1796601600000,
  AddCostColumns1796601600001,
  AddPerformanceCounted1796947200000,
  AddInstrumentationScope1797033600000,
];
