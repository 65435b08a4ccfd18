import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time (µs) spent so far by the PostgreSQL backend processes serving `database` on this machine, read from
 * /proc: the database's share of a benchmark's cost, next to Node's own process.cpuUsage(). Null where it cannot be
 * read (not Linux, a remote or embedded server, another user's processes): the benchmark then prints n/a.
 * Backends that exit between two readings take their time with them, so take both readings while the pool is open.
 */
export function databaseCpuMicros(database: string): number | null {
  let ticks = 0;
  let found = false;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return null;
  }
  for (const pid of entries) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      // A backend's title: "postgres: <cluster>: <user> <database> <client> <state>".
      const title = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!title.startsWith('postgres:') || !title.includes(` ${database} `)) continue;
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime + stime
      found = true;
    } catch {
      // The process ended, or is not ours to read.
    }
  }
  return found ? (ticks * 1_000_000) / CLOCK_TICKS_PER_SECOND : null;
}

/** USER_HZ: 100 on every Linux architecture Node runs on. */
const CLOCK_TICKS_PER_SECOND = 100;
