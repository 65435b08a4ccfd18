import { context, trace, type Tracer } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Agent, request as httpRequest } from 'node:http';
import type { AgentTotals } from './load-agents';

/**
 * The OTLP side of the Citus load test (test/system/citus-load.test.ts): agent runs as another language's OTel SDK
 * exports them (GenAI semantic conventions), cut into request bodies the way a batching exporter cuts them — in the
 * order the spans ended, a fixed number of spans per request, so most runs straddle two requests — and a sender that
 * delivers every request twice, as exporters retrying after a lost answer do: some to one collector twice, some to
 * the other collector the second time, some to both at once.
 */

/** Per run: a Dispatcher agent with two model calls and a tool call, and a nested Scout agent (a model call, a tool). */
export const OTLP_SPANS_PER_RUN = 7;

/** Token usage of model call `call` (0, 1: the dispatcher's; 2: the scout's) of OTLP run `run`. */
const usageOf = (run: number, call: number) => ({ input: 200 + (run % 13) + 7 * call, output: 30 + (run % 7) + call });

export interface OtlpLoad {
  bodies: Array<{ format: 'protobuf' | 'json'; body: Uint8Array | string; spans: number }>;
  /** Spans per trace. */
  spansByTrace: Map<string, number>;
  /** Each agent's subtree totals, by `${traceId}/${agentName}`. */
  totals: Map<string, AgentTotals>;
  spans: number;
}

export function otlpLoad(runs: number, spansPerRequest: number): OtlpLoad {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'load-otlp', 'telemetry.sdk.language': 'python' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('opentelemetry.instrumentation.openai_v2', '2.1b0');
  const spansByTrace = new Map<string, number>();
  const totals = new Map<string, AgentTotals>();
  for (let run = 0; run < runs; run++) {
    const traceId = recordRun(tracer, run);
    spansByTrace.set(traceId, OTLP_SPANS_PER_RUN);
    const call = (n: number) => usageOf(run, n);
    const scout = { inputTokens: call(2).input, outputTokens: call(2).output, llmCalls: 1, toolCalls: 1 };
    totals.set(`${traceId}/Scout`, scout);
    totals.set(`${traceId}/Dispatcher`, {
      inputTokens: call(0).input + call(1).input + scout.inputTokens,
      outputTokens: call(0).output + call(1).output + scout.outputTokens,
      llmCalls: 2 + scout.llmCalls,
      toolCalls: 1 + scout.toolCalls,
    });
  }
  const spans = exporter.getFinishedSpans();
  const bodies: OtlpLoad['bodies'] = [];
  for (let from = 0; from < spans.length; from += spansPerRequest) {
    const chunk = spans.slice(from, from + spansPerRequest);
    const format = Math.floor(bodies.length / 2) % 2 === 0 ? 'protobuf' : 'json';
    const body =
      format === 'protobuf'
        ? ProtobufTraceSerializer.serializeRequest(chunk)!
        : Buffer.from(JsonTraceSerializer.serializeRequest(chunk)!).toString('utf8');
    bodies.push({ format, body, spans: chunk.length });
  }
  return { bodies, spansByTrace, totals, spans: spans.length };
}

function recordRun(tracer: Tracer, run: number): string {
  const chat = (parent: ReturnType<Tracer['startSpan']>, call: number) => {
    const usage = usageOf(run, call);
    tracer
      .startSpan(
        'chat gpt-4o-mini',
        {
          attributes: {
            'gen_ai.operation.name': 'chat',
            'gen_ai.provider.name': 'openai',
            'gen_ai.request.model': 'gpt-4o-mini',
            'gen_ai.usage.input_tokens': usage.input,
            'gen_ai.usage.output_tokens': usage.output,
          },
        },
        trace.setSpan(context.active(), parent),
      )
      .end();
  };
  const tool = (parent: ReturnType<Tracer['startSpan']>, name: string) =>
    tracer
      .startSpan(
        `execute_tool ${name}`,
        { attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': name } },
        trace.setSpan(context.active(), parent),
      )
      .end();
  const agent = (name: string, parent?: ReturnType<Tracer['startSpan']>) =>
    tracer.startSpan(
      `invoke_agent ${name}`,
      {
        attributes: {
          'gen_ai.operation.name': 'invoke_agent',
          'gen_ai.agent.name': name,
          'gen_ai.conversation.id': `otlp-${run}`,
        },
      },
      parent === undefined ? context.active() : trace.setSpan(context.active(), parent),
    );
  const dispatcher = agent('Dispatcher');
  chat(dispatcher, 0);
  const scout = agent('Scout', dispatcher);
  tool(scout, 'fetch');
  chat(scout, 2);
  scout.end();
  tool(dispatcher, 'route');
  chat(dispatcher, 1);
  dispatcher.end();
  return dispatcher.spanContext().traceId;
}

export interface DeliveryFigures {
  /** POSTs answered 200 (each request twice). */
  delivered: number;
  /** Answers 429 and 503 (the request was sent again after Retry-After, at most 2 s later). */
  refused: { 429: number; 503: number };
  /** Other statuses, connection errors: each a line (none expected). */
  failures: string[];
  /** Spans named rejected in partial_success answers (none expected). */
  rejectedSpans: number;
  /** Milliseconds from the first send to the last 200. */
  ms: number;
}

/**
 * Sends every body twice, request i at i × spreadMs / n: i % 3 = 0 to both collectors at once, 1 to collector i % 2
 * twice, 2 to collector i % 2 and then to the other one; the second delivery of the last two `redeliverAfterMs`
 * after the first was answered.
 */
export async function deliverTwice(
  urls: [string, string],
  load: OtlpLoad,
  options: { spreadMs: number; redeliverAfterMs: number; deadlineMs: number },
): Promise<DeliveryFigures> {
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  const figures: DeliveryFigures = { delivered: 0, refused: { 429: 0, 503: 0 }, failures: [], rejectedSpans: 0, ms: 0 };
  const started = Date.now();
  const deadline = started + options.deadlineMs;
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const deliver = async (url: string, body: OtlpLoad['bodies'][number]) => {
    for (;;) {
      if (Date.now() > deadline) throw new Error(`a request to ${url} was not taken within ${options.deadlineMs} ms`);
      const answer = await post(`${url}v1/traces`, body, agent).catch((error: unknown) => ({
        status: 0,
        retryAfter: 1,
        text: String(error),
      }));
      if (answer.status === 200) {
        figures.delivered++;
        const rejected = rejectedIn(body.format, answer.text);
        if (rejected !== 0) figures.failures.push(`${url}: 200 naming rejected spans: ${answer.text.slice(0, 200)}`);
        figures.rejectedSpans += rejected;
        return;
      }
      if (answer.status === 429 || answer.status === 503) figures.refused[answer.status]++;
      else figures.failures.push(`${url}: ${answer.status} ${answer.text.slice(0, 200)}`);
      await sleep(Math.min(answer.retryAfter, 2) * 1000);
    }
  };
  try {
    await Promise.all(
      load.bodies.map(async (body, i) => {
        await sleep((i * options.spreadMs) / load.bodies.length);
        const first = urls[i % 2]!;
        if (i % 3 === 0) {
          await Promise.all(urls.map((url) => deliver(url, body)));
          return;
        }
        await deliver(first, body);
        await sleep(options.redeliverAfterMs);
        await deliver(i % 3 === 1 ? first : urls[(i + 1) % 2]!, body);
      }),
    );
  } finally {
    agent.destroy();
  }
  figures.ms = Date.now() - started;
  return figures;
}

/** Spans an answer names as rejected (a protobuf one is not decoded: any body at all counts as one). */
function rejectedIn(format: 'protobuf' | 'json', text: string): number {
  // An answer without rejections is empty in protobuf, `{}` in JSON.
  if (format === 'protobuf') return text.length === 0 ? 0 : 1;
  const partial = (JSON.parse(text) as { partialSuccess?: { rejectedSpans?: string } }).partialSuccess;
  return Number(partial?.rejectedSpans ?? 0);
}

function post(
  url: string,
  body: OtlpLoad['bodies'][number],
  agent: Agent,
): Promise<{ status: number; retryAfter: number; text: string }> {
  const contentType = body.format === 'protobuf' ? 'application/x-protobuf' : 'application/json';
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body.body) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            retryAfter: Number(response.headers['retry-after'] ?? 1),
            text: Buffer.concat(chunks).toString('latin1'),
          }),
        );
      },
    );
    request.on('error', reject);
    request.end(body.body);
  });
}
