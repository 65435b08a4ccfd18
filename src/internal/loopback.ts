import { isIP } from 'node:net';

/** 127.0.0.0/8, ::1 and localhost: addresses only this machine reaches. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1' || /^::ffff:127\./i.test(bare);
  return false;
}

/** The host name of a Host header, without its port ("127.0.0.1:4319" → "127.0.0.1", "[::1]:80" → "::1"). */
export function hostName(header: string | undefined): string {
  if (header === undefined) return '';
  const bracketed = /^\[([^\]]+)\]/.exec(header);
  return bracketed ? bracketed[1]! : header.replace(/:\d+$/, '');
}
