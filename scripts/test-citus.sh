#!/usr/bin/env bash
# The integration tests again, on a Citus cluster: every test database is a new database of the cluster with
# agentspan's tables distributed (test/support/citus-database.ts), DATABASE_URL its coordinator.
#
#   AGENTSPAN_CITUS_URL=postgres://postgres@127.0.0.1:9700/postgres npm run test:citus [-- <jest arguments>]
#
# scripts/citus-cluster.sh start <citus-source> starts such a cluster on loopback and prints the URL. Without
# AGENTSPAN_CITUS_URL this says why it ran nothing and succeeds.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${AGENTSPAN_CITUS_URL:-}" ]; then
  echo "test:citus: skipped: AGENTSPAN_CITUS_URL is not set (scripts/citus-cluster.sh start <citus-source> prints it)"
  exit 0
fi

# Left out, each for its reason:
#  - migrations, added columns, instrumentation scope, run-context indexes: they migrate an empty database up and down
#    themselves, and the cluster's test databases come migrated and distributed (distribution is tested in
#    test/store/distributed.test.ts);
#  - schema: its tables live in a schema of their own, created by its own migration;
#  - embedded: PGlite, no server at all;
#  - the metadata index plan: it reads one server's query plan (on Citus the plan is the coordinator's);
#  - the schema and credential faults: they drop the tables, the database or the role under a running writer, which
#    then creates tables that are not distributed (an operator's job on a cluster: agentspan migrate --distributed).
excluded='test/store/(migrations|added-columns|instrumentation-scope|run-context-indexes|embedded)\.test\.ts|test/query/(schema|metadata-index-plan)\.test\.ts|test/system/faults/schema-and-credentials\.test\.ts'

run_load=0
if [ "$#" -eq 0 ]; then
  run_load=1
  set -- test/store test/query test/rollups test/cli test/collect test/export test/cost test/setup test/mcp test/ui \
    test/system
fi
AGENTSPAN_TEST_DISTRIBUTED=1 DATABASE_URL="$AGENTSPAN_CITUS_URL" node --experimental-vm-modules \
  node_modules/jest/bin/jest.js \
  "$@" --selectProjects legacy-decorators --testPathIgnorePatterns "$excluded"

# Then the load test, alone: it restarts a worker node, which would fail any other test writing to the cluster.
if [ "$run_load" = 1 ]; then
  AGENTSPAN_CITUS_LOAD=1 node --experimental-vm-modules node_modules/jest/bin/jest.js test/system/citus-load.test.ts \
    --selectProjects legacy-decorators
fi
