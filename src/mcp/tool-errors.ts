import { diag } from '@opentelemetry/api';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { maskUrlsIn } from '../capture/mask-url';
import { describeError } from '../internal/describe-error';
import { AgentspanQueryError } from '../query/agentspan-query-error';
import { describeDatabaseError, isTransientError, sqlStateOf } from '../store/connection/errors';
import { cutText } from './result-limits';

/** A tool argument the server itself refuses (a cursor of another query, an age out of range), with the reason. */
export class ToolArgumentError extends Error {
  override readonly name = 'ToolArgumentError';
}

/**
 * The database could not be opened for a tool call. The message says why and has no password in it; the next call
 * tries again.
 */
export class DatabaseUnavailableError extends Error {
  override readonly name = 'DatabaseUnavailableError';
}

/** Longest message a tool error carries: the reason, not a dump. */
const MAX_MESSAGE_LENGTH = 1_000;

/** A failed tool call as the MCP tool error (`isError: true`) a model reads: what was wrong, never a password. */
export function toolFailure(tool: string, error: unknown): CallToolResult {
  return {
    content: [{ type: 'text', text: cutText(maskUrlsIn(`${tool}: ${reasonOf(tool, error)}`), MAX_MESSAGE_LENGTH) }],
    isError: true,
  };
}

function reasonOf(tool: string, error: unknown): string {
  if (error instanceof ToolArgumentError) return error.message;
  if (error instanceof AgentspanQueryError) {
    // The repository names its own method (`history: limit must be …`); the model called a tool, named above.
    return error.message.replace(/^[A-Za-z]+: /, '');
  }
  if (error instanceof DatabaseUnavailableError) return `the database is unavailable: ${error.message}`;
  const sqlState = sqlStateOf(error);
  if (sqlState === '42P01') return 'the database has no agentspan tables: run `agentspan migrate` first';
  if (isTransientError(error)) return `the database is unavailable: ${describeDatabaseError(error)}`;
  if (sqlState !== undefined) return `the database refused the query: ${describeDatabaseError(error)}`;
  // A bug of ours, not the caller's: the operator finds the stack on stderr (the command logs diag there).
  diag.error(`agentspan: MCP tool ${tool} failed: ${maskUrlsIn(error instanceof Error ? (error.stack ?? '') : '')}`);
  return `unexpected failure: ${describeError(error)}`;
}
