import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

/**
 * Who is using a spill directory. Every spill (one per processor) is a session with an id and a lock file
 * `<id>.lock` that names its process. Spill files carry the session that owns them; a session may replay files
 * owned by a session that is gone (its lock file removed at a clean close, or naming a process that no longer runs
 * on this host) after taking them over with an atomic rename (see spill-files). So a file is replayed by one session
 * at a time, and files of a crashed process are picked up by the next one.
 */

const LOCK_SUFFIX = '.lock';

interface LockContent {
  pid: number;
  host: string;
}

/** A new session id: time-ordered, unique, free of the dots and slashes file names use as separators. */
export function newSessionId(): string {
  const time = Date.now().toString(36).padStart(9, '0');
  return `s${time}-${process.pid.toString(36)}-${randomBytes(4).toString('hex')}`;
}

export function lockFileName(session: string): string {
  return `${session}${LOCK_SUFFIX}`;
}

export function sessionOfLockFile(name: string): string | undefined {
  return name.endsWith(LOCK_SUFFIX) ? name.slice(0, -LOCK_SUFFIX.length) : undefined;
}

/** Writes the session's lock file (atomically: a reader never sees half of it). Throws if it cannot. */
export function writeSessionLock(directory: string, session: string): void {
  const content: LockContent = { pid: process.pid, host: hostname() };
  const temporary = join(directory, `${session}.lock-tmp`);
  const fd = openSync(temporary, 'wx');
  try {
    writeSync(fd, JSON.stringify(content));
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, join(directory, lockFileName(session)));
}

export function removeSessionLock(directory: string, session: string): void {
  try {
    unlinkSync(join(directory, lockFileName(session)));
  } catch {
    // Already gone: nothing to release.
  }
}

/**
 * Whether a session may still be using its files: its lock file exists and names a process that runs (or one on
 * another host, which cannot be checked and so is assumed to run). A reused process id keeps a dead session's
 * files waiting until that process ends: late, never twice.
 */
export function isSessionAlive(directory: string, session: string): boolean {
  let content: LockContent;
  try {
    content = JSON.parse(readFileSync(join(directory, lockFileName(session)), 'utf8')) as LockContent;
  } catch (error) {
    // No lock file: closed cleanly, or never finished starting. Unreadable: written by something else; keep off.
    return (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
  if (typeof content?.pid !== 'number' || content.host !== hostname()) return true;
  return isProcessRunning(content.pid);
}

function isProcessRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
