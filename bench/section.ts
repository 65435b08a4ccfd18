/**
 * Runs one benchmark section and prints its result as the last line of stdout, prefixed with RESULT_PREFIX.
 * bench/run.ts starts a fresh process for each section: a section's heap (spans it promoted, the old generation it
 * grew) and the code the JIT compiled for its objects would otherwise weigh on the sections after it.
 *
 *   node --expose-gc -r ts-node/register/transpile-only bench/section.ts throughput
 */
import { benchCluster } from './cluster';
import { benchCollect } from './collect';
import { benchDashboard } from './dashboard';
import { benchDecorators } from './decorators';
import { benchFinding } from './finding';
import { benchHostileInput } from './hostile-input';
import { benchLiveRuns } from './live-runs';
import { benchCallCost, benchOutageMemory, benchThroughput } from './persistence';
import { benchQueries } from './queries';

export const SECTIONS = {
  decorators: benchDecorators,
  calls: benchCallCost,
  throughput: benchThroughput,
  outage: benchOutageMemory,
  hostile: benchHostileInput,
  queries: benchQueries,
  finding: benchFinding,
  watch: benchLiveRuns,
  dashboard: benchDashboard,
  collect: benchCollect,
  cluster: benchCluster,
} as const;

export type SectionName = keyof typeof SECTIONS;

export const RESULT_PREFIX = 'agentspan-bench-result ';

if (require.main === module) {
  const name = process.argv[2] as SectionName;
  const section = SECTIONS[name] as (() => Promise<unknown>) | undefined;
  if (section === undefined) {
    console.error(`unknown section ${String(name)}; one of ${Object.keys(SECTIONS).join(', ')}`);
    process.exitCode = 2;
  } else {
    section().then(
      (result) => console.log(`${RESULT_PREFIX}${JSON.stringify(result)}`),
      (error: unknown) => {
        console.error(error);
        process.exitCode = 1;
      },
    );
  }
}
