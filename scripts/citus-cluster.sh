#!/usr/bin/env bash
# A Citus cluster on loopback for agentspan's distributed tests: a coordinator and two workers, each a PostgreSQL 15
# of this machine (Debian's) with the Citus extension built from a source tree you give.
#
#   scripts/citus-cluster.sh start <citus-source-dir> [<state-dir>]   build (once), initialise (once), start
#   scripts/citus-cluster.sh stop [<state-dir>]
#   scripts/citus-cluster.sh status [<state-dir>]
#
# The source tree: a checkout of https://github.com/citusdata/citus at a release that supports PostgreSQL 15
# (v13.2.2; Citus 14 and later need PostgreSQL 16). Needs Debian's postgresql-server-dev-15, liblz4-dev, libzstd-dev and
# libkrb5-dev (apt-get install …), a C compiler and make. Nothing of the system's PostgreSQL is changed: PostgreSQL's
# programs and share files are copied into <state-dir>/root and Citus installed there (PostgreSQL finds its share
# directory relative to its programs). The nodes listen on 127.0.0.1 only, ports CITUS_PORT (9700), +1 and +2, with
# trust authentication; as root, they run as the `postgres` user. Prints the URL for AGENTSPAN_CITUS_URL.
set -euo pipefail

command="${1:-}"
case "$command" in
  start) source_dir="${2:?usage: $0 start <citus-source-dir> [<state-dir>]}"; state="${3:-${TMPDIR:-/tmp}/agentspan-citus}" ;;
  stop | status) state="${2:-${TMPDIR:-/tmp}/agentspan-citus}" ;;
  *) echo "usage: $0 start <citus-source-dir> [<state-dir>] | stop [<state-dir>] | status [<state-dir>]" >&2; exit 2 ;;
esac

port="${CITUS_PORT:-9700}"
root="$state/root"
bindir="$root$(pg_config --bindir)"
nodes=(coordinator worker1 worker2)

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

if [ "$command" = stop ] || [ "$command" = status ]; then
  for i in "${!nodes[@]}"; do
    data="$state/${nodes[$i]}"
    [ -d "$data" ] || continue
    as_postgres "$bindir/pg_ctl" -D "$data" "$command" || true
  done
  exit 0
fi

[ -f "$source_dir/configure" ] || { echo "no Citus source tree at $source_dir (no configure script)" >&2; exit 1; }
server_headers="$(pg_config --includedir-server)"
[ -f "$server_headers/postgres.h" ] || {
  echo "no PostgreSQL server headers: apt-get install postgresql-server-dev-15 liblz4-dev libzstd-dev libkrb5-dev" >&2
  exit 1
}
mkdir -p "$state"

# Build once, in a copy: the source tree given is not written to.
if [ ! -f "$root/.built" ]; then
  build="$state/build"
  rm -rf "$build" "$root"
  cp -a "$source_dir" "$build"
  # PostgreSQL 15's later minor releases export have_createdb_privilege(), which Citus 13 defines for itself on 15.
  if grep -q 'have_createdb_privilege' "$server_headers/commands/dbcommands.h"; then
    python3 - "$build/src/include/pg_version_compat.h" <<'PYTHON'
import sys
path = sys.argv[1]
text = open(path).read()
start = text.find("static inline bool\nhave_createdb_privilege(void)")
if start >= 0:
    end = text.index("\n}\n", start) + 3
    text = text[:start] + "#if 0 /* exported by this PostgreSQL */\n" + text[start:end] + "#endif\n" + text[end:]
    open(path, "w").write(text)
PYTHON
  fi
  (cd "$build" && ./configure --without-libcurl > "$state/configure.log" && make -j"$(nproc)" > "$state/make.log" 2>&1) || {
    echo "the Citus build failed: see $state/configure.log and $state/make.log" >&2
    exit 1
  }
  # PostgreSQL's programs and share files, copied with their relative layout; Citus installed into the copy.
  pgdir="$(dirname "$(pg_config --bindir)")" # /usr/lib/postgresql/15: bin/ and lib/
  sharedir="$(pg_config --sharedir)"
  mkdir -p "$root$(dirname "$pgdir")" "$root$(dirname "$sharedir")"
  cp -a "$pgdir" "$root$(dirname "$pgdir")/"
  cp -a "$sharedir" "$root$(dirname "$sharedir")/"
  (cd "$build" && make install DESTDIR="$root" > "$state/install.log" 2>&1)
  touch "$root/.built"
fi

if [ "$(id -u)" = 0 ]; then chown -R postgres "$state"; fi
for i in "${!nodes[@]}"; do
  data="$state/${nodes[$i]}"
  if [ ! -f "$data/PG_VERSION" ]; then
    as_postgres "$bindir/initdb" -D "$data" -U postgres --auth=trust > "$state/initdb-${nodes[$i]}.log"
    cat >> "$data/postgresql.conf" <<CONF
port = $((port + i))
listen_addresses = '127.0.0.1'
unix_socket_directories = '$state'
shared_preload_libraries = 'citus'
max_connections = 200
max_locks_per_transaction = 256
CONF
  fi
  as_postgres "$bindir/pg_ctl" -D "$data" status > /dev/null 2>&1 ||
    as_postgres "$bindir/pg_ctl" -D "$data" -l "$state/${nodes[$i]}.log" -w start > /dev/null
done

psql_node() {
  PGOPTIONS='-c client_min_messages=warning' psql -X -q -h 127.0.0.1 -p "$1" -U postgres -d postgres -v ON_ERROR_STOP=1 -At -c "$2"
}
for i in "${!nodes[@]}"; do psql_node $((port + i)) 'CREATE EXTENSION IF NOT EXISTS citus' > /dev/null; done
psql_node "$port" "SELECT citus_set_coordinator_host('127.0.0.1', $port)" > /dev/null
for i in 1 2; do
  psql_node "$port" "SELECT citus_add_node('127.0.0.1', $((port + i))) WHERE NOT EXISTS
    (SELECT 1 FROM pg_dist_node WHERE nodeport = $((port + i)))" > /dev/null
done
psql_node "$port" 'SELECT citus_version()'
psql_node "$port" "SELECT string_agg(nodename || ':' || nodeport, ', ' ORDER BY nodeport) FROM pg_dist_node"
echo "AGENTSPAN_CITUS_URL=postgres://postgres@127.0.0.1:$port/postgres"
