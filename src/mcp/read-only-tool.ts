import type { McpServer, RegisteredTool } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { JsonValue } from '../query/types';
import { limitValue } from './result-limits';
import { toolFailure } from './tool-errors';

/** Every tool only reads, answers the same for the same data, and touches nothing outside the database. */
const READ_ONLY: ToolAnnotations = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
};

/** What the last guard of an answer cuts a string to, unless a tool says otherwise. */
export const DEFAULT_ANSWER_STRING_LENGTH = 500;
/** Nesting an answer keeps: far more than any presenter builds, a guard against stored JSON nested deep. */
const MAX_ANSWER_DEPTH = 24;

export interface ReadOnlyTool<Shape extends z.ZodRawShape> {
  readonly name: string;
  readonly title: string;
  /** What the tool answers and how to use it, for the model that chooses it. */
  readonly description: string;
  /** The arguments; any other key is refused (a misspelt filter must not silently filter nothing). */
  readonly input: Shape;
  /** The answer, as a JSON object; its strings are cut to `answerStringLength` characters. */
  run(args: z.infer<z.ZodObject<Shape>>): Promise<Record<string, unknown>>;
  /** Characters an answer's strings keep at most. Default DEFAULT_ANSWER_STRING_LENGTH. */
  answerStringLength?(args: z.infer<z.ZodObject<Shape>>): number;
}

/**
 * Registers a tool that reads: its arguments checked by a strict zod schema (the SDK answers a bad one with a tool
 * error naming it), its answer JSON text and structuredContent, any failure a tool error that says what was wrong.
 * Nothing a tool does can throw past here, so a failed call never ends the server.
 */
export function registerReadOnlyTool<Shape extends z.ZodRawShape>(server: McpServer, tool: ReadOnlyTool<Shape>): void {
  // Typed as the SDK's schema type: the SDK parses the arguments with it and hands the handler its output.
  const inputSchema: NonNullable<RegisteredTool['inputSchema']> = z.strictObject(tool.input);
  server.registerTool(
    tool.name,
    { title: tool.title, description: tool.description, inputSchema, annotations: READ_ONLY },
    async (args: unknown): Promise<CallToolResult> => {
      try {
        const typed = args as z.infer<z.ZodObject<Shape>>;
        const answer = await tool.run(typed);
        return jsonResult(answer, tool.answerStringLength?.(typed) ?? DEFAULT_ANSWER_STRING_LENGTH);
      } catch (error) {
        return toolFailure(tool.name, error);
      }
    },
  );
}

/** An answer as plain JSON (Dates as ISO text, every string within `maxStringLength`): as text, and structured. */
export function jsonResult(answer: Record<string, unknown>, maxStringLength: number): CallToolResult {
  const plain = limitValue(answer, {
    maxStringLength,
    maxItems: Number.POSITIVE_INFINITY,
    maxDepth: MAX_ANSWER_DEPTH,
    maxLength: Number.POSITIVE_INFINITY,
  }) as Record<string, JsonValue>;
  return { content: [{ type: 'text', text: JSON.stringify(plain) }], structuredContent: plain };
}
