import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import type { CliIo } from './cli-io';
import { withoutPrefix } from './failure-text';

/** Warnings and errors of the library (diag) on stderr while the server runs; returns what turns that off again. */
export function logDiagTo(io: CliIo, prefix: string): () => void {
  const line =
    (level: string) =>
    (message: string): void =>
      io.stderr(`${prefix} ${level}: ${withoutPrefix(message)}\n`);
  const logger: DiagLogger = {
    error: line('error'),
    warn: line('warning'),
    info: line('info'),
    debug: line('debug'),
    verbose: line('verbose'),
  };
  diag.setLogger(logger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  return () => diag.disable();
}
