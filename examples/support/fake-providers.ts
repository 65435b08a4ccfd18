/**
 * Loopback stand-ins for the OpenAI and Anthropic HTTP APIs, so examples and tests run the real SDKs (and the real
 * third-party instrumentations wrapped around them) with no network and no API key: give the SDK `baseURL: url` and
 * `apiKey: 'test'`.
 *
 *   OpenAI  (baseURL `${url}` already ends in /v1)
 *     POST /v1/chat/completions  plain → `chat.completion`; `stream: true` → SSE `chat.completion.chunk`s, then a
 *                                choices-less usage chunk when `stream_options.include_usage` is set, then [DONE]
 *     POST /v1/responses         plain → `response`; `stream: true` → response.created, output_text deltas,
 *                                response.completed (usage is on the completed response)
 *   Anthropic (baseURL `${url}`, the SDK appends /v1)
 *     POST /v1/messages          plain → `message`; `stream: true` → message_start (input and cache figures,
 *                                output_tokens 1 as the real API sends), content_block_start/delta/stop,
 *                                message_delta (cumulative output_tokens), message_stop
 *   Any other path → 404 with an API-style JSON error, so a baseURL of `${url}/nope` exercises an SDK's error path.
 *
 * Default usage, which tests assert as exact stored figures (override any field through the options):
 *   OpenAI:    prompt_tokens 1200, of which cached_tokens 1000; completion_tokens 300, of which reasoning_tokens 0;
 *              total_tokens 1500. /v1/responses reports the same figures as input/output tokens.
 *   Anthropic: input_tokens 100 (fresh, uncached), cache_read_input_tokens 1000, cache_creation_input_tokens 200
 *              (all 5-minute cache), output_tokens 300. Anthropic's input_tokens excludes the cache figures.
 *
 * The response model is a dated snapshot of the requested one, as the real APIs answer for an alias:
 * 'gpt-4o-mini' → 'gpt-4o-mini-2024-07-18', 'gpt-4o' → 'gpt-4o-2024-08-06', 'claude-haiku-4-5' →
 * 'claude-haiku-4-5-20251001', 'claude-sonnet-4-5' → 'claude-sonnet-4-5-20250929'; any other alias gets the suffix
 * '-2024-07-18' (OpenAI) or '-20251001' (Anthropic). A model that already ends in a date is echoed unchanged.
 * `responseModel` replaces the rule.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeServer {
  /** The base URL to give the SDK. */
  url: string;
  /** Every JSON request body received, in order (all endpoints). */
  requests: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

export interface FakeOpenAIOptions {
  promptTokens?: number;
  cachedTokens?: number;
  completionTokens?: number;
  reasoningTokens?: number;
  /** The assistant's answer; streams send it word by word. */
  text?: string;
  responseModel?: (requested: string) => string;
}

export interface FakeAnthropicOptions {
  /** Fresh (uncached) input tokens: Anthropic counts the cache figures separately. */
  inputTokens?: number;
  cacheReadTokens?: number;
  cacheCreationTokens?: number;
  outputTokens?: number;
  text?: string;
  responseModel?: (requested: string) => string;
}

const DEFAULT_TEXT = 'Hello from the fake model.';

type Handler = (body: Record<string, unknown>, res: ServerResponse) => void;

/** Starts one server; `routes` maps "POST /path" to a handler. */
async function serve(routes: Record<string, Handler>, base: (port: number) => string): Promise<FakeServer> {
  const requests: Array<Record<string, unknown>> = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const handler = routes[`${req.method} ${(req.url ?? '').split('?')[0]}`];
      if (!handler) return sendJson(res, 404, { error: { type: 'not_found_error', message: `no route ${req.url}` } });
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        return sendJson(res, 400, { error: { type: 'invalid_request_error', message: 'body is not JSON' } });
      }
      requests.push(body);
      handler(body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: base(port),
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        // SDKs keep connections alive; drop them so close() does not wait for their idle timeout.
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** OpenAI names its request id `x-request-id`, Anthropic `request-id`: both are sent. */
function requestIdHeaders(): Record<string, string> {
  const id = `req_${randomUUID()}`;
  return { 'x-request-id': id, 'request-id': id };
}

function sendJson(res: ServerResponse, status: number, payload: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', ...requestIdHeaders() });
  res.end(JSON.stringify(payload));
}

/** Writes SSE frames; `event` names are sent only where the real API names them (Anthropic, Responses). */
function sendSse(res: ServerResponse, frames: Array<{ event?: string; data: unknown }>, done = false): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...requestIdHeaders() });
  for (const { event, data } of frames) {
    res.write(`${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`);
  }
  if (done) res.write('data: [DONE]\n\n');
  res.end();
}

/** Splits the answer into word-sized deltas, keeping the spaces so the deltas join back to the whole text. */
function words(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [text];
}

const SNAPSHOTS: Record<string, string> = {
  'gpt-4o': 'gpt-4o-2024-08-06',
  'claude-sonnet-4-5': 'claude-sonnet-4-5-20250929',
  'claude-opus-4-5': 'claude-opus-4-5-20251101',
};
const openAIDated = (model: string) =>
  /\d{4}-\d{2}-\d{2}$/.test(model) ? model : (SNAPSHOTS[model] ?? `${model}-2024-07-18`);
const anthropicDated = (model: string) => (/-\d{8}$/.test(model) ? model : (SNAPSHOTS[model] ?? `${model}-20251001`));

export function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeServer> {
  const prompt = options.promptTokens ?? 1200;
  const cached = options.cachedTokens ?? 1000;
  const completion = options.completionTokens ?? 300;
  const reasoning = options.reasoningTokens ?? 0;
  const text = options.text ?? DEFAULT_TEXT;
  const modelOf = (body: Record<string, unknown>) =>
    (options.responseModel ?? openAIDated)(String(body.model ?? 'gpt-4o-mini'));
  const usage = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cached, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: reasoning,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
  const responseUsage = {
    input_tokens: prompt,
    input_tokens_details: { cached_tokens: cached, cache_write_tokens: 0 },
    output_tokens: completion,
    output_tokens_details: { reasoning_tokens: reasoning },
    total_tokens: prompt + completion,
  };

  const chat: Handler = (body, res) => {
    const id = `chatcmpl-${randomUUID().slice(0, 12)}`;
    const created = Math.floor(Date.now() / 1000);
    const model = modelOf(body);
    const common = { id, created, model, system_fingerprint: 'fp_fake' };
    if (body.stream !== true) {
      const message = { role: 'assistant', content: text, refusal: null, annotations: [] };
      const choices = [{ index: 0, message, logprobs: null, finish_reason: 'stop' }];
      return sendJson(res, 200, { ...common, object: 'chat.completion', choices, usage, service_tier: 'default' });
    }
    // With include_usage the real API sends `usage: null` on every chunk, then one chunk with no choices and the usage.
    const withUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
    const chunk = (delta: Record<string, unknown>, finish: string | null) => ({
      ...common,
      object: 'chat.completion.chunk',
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      ...(withUsage ? { usage: null } : {}),
    });
    const frames: Array<{ data: unknown }> = [
      { data: chunk({ role: 'assistant', content: '', refusal: null }, null) },
      ...words(text).map((piece) => ({ data: chunk({ content: piece }, null) })),
      { data: chunk({}, 'stop') },
    ];
    if (withUsage) frames.push({ data: { ...common, object: 'chat.completion.chunk', choices: [], usage } });
    sendSse(res, frames, true);
  };

  const responses: Handler = (body, res) => {
    const id = `resp_${randomUUID().replace(/-/g, '')}`;
    const msgId = `msg_${randomUUID().replace(/-/g, '')}`;
    const createdAt = Math.floor(Date.now() / 1000);
    const output = [
      {
        type: 'message',
        id: msgId,
        status: 'completed',
        role: 'assistant',
        content: [{ type: 'output_text', text, annotations: [] }],
      },
    ];
    const response = (status: string, done: boolean) => ({
      id,
      object: 'response',
      created_at: createdAt,
      status,
      model: modelOf(body),
      output: done ? output : [],
      error: null,
      incomplete_details: null,
      instructions: null,
      metadata: {},
      parallel_tool_calls: true,
      temperature: 1,
      tool_choice: 'auto',
      tools: [],
      top_p: 1,
      usage: done ? responseUsage : null,
    });
    if (body.stream !== true) return sendJson(res, 200, response('completed', true));
    let seq = 0;
    const frame = (data: Record<string, unknown>) => ({
      event: String(data.type),
      data: { ...data, sequence_number: seq++ },
    });
    sendSse(res, [
      frame({ type: 'response.created', response: response('in_progress', false) }),
      ...words(text).map((delta) =>
        frame({
          type: 'response.output_text.delta',
          item_id: msgId,
          output_index: 0,
          content_index: 0,
          delta,
          logprobs: [],
        }),
      ),
      frame({ type: 'response.completed', response: response('completed', true) }),
    ]);
  };

  return serve(
    { 'POST /v1/chat/completions': chat, 'POST /v1/responses': responses },
    (port) => `http://127.0.0.1:${port}/v1`,
  );
}

export function startFakeAnthropic(options: FakeAnthropicOptions = {}): Promise<FakeServer> {
  const input = options.inputTokens ?? 100;
  const cacheRead = options.cacheReadTokens ?? 1000;
  const cacheCreation = options.cacheCreationTokens ?? 200;
  const output = options.outputTokens ?? 300;
  const text = options.text ?? DEFAULT_TEXT;
  const usage = (outputTokens: number) => ({
    input_tokens: input,
    cache_creation_input_tokens: cacheCreation,
    cache_read_input_tokens: cacheRead,
    cache_creation: { ephemeral_5m_input_tokens: cacheCreation, ephemeral_1h_input_tokens: 0 },
    output_tokens: outputTokens,
    service_tier: 'standard',
  });

  const messages: Handler = (body, res) => {
    const base = {
      id: `msg_${randomUUID().replace(/-/g, '').slice(0, 24)}`,
      type: 'message',
      role: 'assistant',
      model: (options.responseModel ?? anthropicDated)(String(body.model ?? 'claude-haiku-4-5')),
      stop_sequence: null,
    };
    if (body.stream !== true) {
      const content = [{ type: 'text', text }];
      return sendJson(res, 200, { ...base, content, stop_reason: 'end_turn', usage: usage(output) });
    }
    sendSse(res, [
      {
        event: 'message_start',
        data: { type: 'message_start', message: { ...base, content: [], stop_reason: null, usage: usage(1) } },
      },
      {
        event: 'content_block_start',
        data: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      },
      ...words(text).map((piece) => ({
        event: 'content_block_delta',
        data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: piece } },
      })),
      { event: 'content_block_stop', data: { type: 'content_block_stop', index: 0 } },
      {
        event: 'message_delta',
        data: {
          type: 'message_delta',
          delta: { stop_reason: 'end_turn', stop_sequence: null },
          usage: { output_tokens: output },
        },
      },
      { event: 'message_stop', data: { type: 'message_stop' } },
    ]);
  };

  return serve({ 'POST /v1/messages': messages }, (port) => `http://127.0.0.1:${port}`);
}
