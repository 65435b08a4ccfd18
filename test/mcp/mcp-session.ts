import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { resolve } from 'node:path';
import { typeScriptArgs } from '../support/child-process';

/**
 * `agentspan mcp` as a coding agent runs it: a child process spawned by the SDK's own stdio client transport, the
 * CLI's TypeScript transpiled by test/support/transpile-register.js. DATABASE_URL is empty: tests say --database.
 */

const ROOT = resolve(__dirname, '../..');

export interface McpSession {
  readonly client: Client;
  /** What the server wrote on stderr so far. */
  stderr(): string;
  /** What the client could not read on stdout (a line that is not JSON-RPC): stdout carries the protocol only. */
  protocolErrors(): string[];
  close(): Promise<void>;
}

/** A tool call's answer: the error flag, the text content, and the text parsed as JSON when it is JSON. */
export interface ToolAnswer {
  isError: boolean;
  text: string;
  json: any;
  structured: unknown;
}

/** Starts `agentspan mcp <args>` in `cwd` (default the repository: the embedded database is ./.agentspan there). */
export async function startMcpServer(args: readonly string[], cwd = ROOT): Promise<McpSession> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) if (value !== undefined) env[name] = value;
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: typeScriptArgs('src/cli/main.ts', ['mcp', ...args]),
    cwd,
    env: { ...env, DATABASE_URL: '', TS_NODE_PROJECT: resolve(ROOT, 'tsconfig.json') },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const protocolErrors: string[] = [];
  // Set before connect, which keeps it and adds its own.
  transport.onerror = (error) => protocolErrors.push(error.message);
  const client = new Client({ name: 'agentspan-test', version: '1.0.0' });
  await client.connect(transport);
  return { client, stderr: () => stderr, protocolErrors: () => protocolErrors, close: () => client.close() };
}

export async function callTool(
  session: McpSession,
  name: string,
  args: Record<string, unknown> = {},
): Promise<ToolAnswer> {
  const result = await session.client.callTool({ name, arguments: args });
  const content = result.content as Array<{ type: string; text?: string }>;
  const text = content.map((part) => part.text ?? '').join('');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { isError: result.isError === true, text, json, structured: result.structuredContent };
}

/** The tool's answer, failing the test with the tool's own message when it is a tool error. */
export async function answerOf(session: McpSession, name: string, args: Record<string, unknown> = {}): Promise<any> {
  const answer = await callTool(session, name, args);
  if (answer.isError) throw new Error(`${name} answered an error: ${answer.text}`);
  expect(answer.structured).toEqual(answer.json);
  return answer.json;
}
