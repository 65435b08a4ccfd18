import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { Agent, Trace } from '../../src/instrument';
import { startAgentTelemetry, type AgentTelemetry } from '../../src/setup/start-agent-telemetry';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { startCollector } from '../support/otlp-collector';

/**
 * What reaches an OTLP collector from startAgentTelemetry is scrubbed like what reaches PostgreSQL, whoever made the
 * span: attributes set by hand on agentspan's spans, everything on another instrumentation's spans (attributes,
 * JSON payloads, headers, prompts, exception events, status messages, event names, link attributes, span names).
 */
const SECRETS = {
  openaiKey: 'sk-proj-AbCdEfGhIjKlMnOpQrStUvWx0123',
  url: 'postgres://app:Pw-9f8e7d6c@db.internal:5432/prod',
  bearer: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJlX2hlcmU',
  apiKeyValue: 'not-shaped-like-a-key-but-under-its-name',
  githubToken: 'ghp_0123456789abcdefghijABCDEFGHIJ012345',
};

@Agent({ name: 'Leaky' })
class Leaky {
  @Trace() async run() {
    // The application sets attributes by hand on agentspan's own span.
    trace.getActiveSpan()!.setAttribute('app.config', `key=${SECRETS.openaiKey} db=${SECRETS.url}`);
    const foreign = trace.getTracer('@some/instrumentation');
    const link = foreign.startSpan('linked').spanContext();
    foreign.startActiveSpan(
      `GET https://api.example.com/?token=${SECRETS.githubToken}`,
      {
        kind: SpanKind.CLIENT,
        links: [{ context: link, attributes: { 'link.auth': SECRETS.openaiKey, note: `via ${SECRETS.url}` } }],
      },
      (span) => {
        span.setAttributes({
          'openinference.span.kind': 'LLM',
          'input.value': JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], api_key: SECRETS.apiKeyValue }),
          'http.request.header.authorization': [`Bearer ${SECRETS.bearer}`],
          'gen_ai.prompt.0.content': `use ${SECRETS.openaiKey}`,
        });
        span.addEvent(`retrying with ${SECRETS.githubToken}`, { detail: SECRETS.url });
        span.recordException(new Error(`connect failed: ${SECRETS.url}`));
        span.setStatus({ code: SpanStatusCode.ERROR, message: `bad key ${SECRETS.openaiKey}` });
        span.end();
      },
    );
    return 'done';
  }
}

let database: TestDatabase;
let collector: Awaited<ReturnType<typeof startCollector>>;
let telemetry: AgentTelemetry | undefined;

beforeAll(async () => {
  database = await createTestDatabase();
  collector = await startCollector();
});

afterAll(async () => {
  await telemetry?.shutdown();
  await new Promise((resolve) => collector.server.close(resolve));
  await database.close();
});

it('no secret reaches the collector, and the spans still do, with what is not secret', async () => {
  telemetry = await startAgentTelemetry({
    serviceName: 'scrub-test',
    databaseUrl: database.url,
    otlp: { url: collector.url },
  });
  await new Leaky().run();
  await telemetry.shutdown();
  const body = collector.bodies.join('\n');
  expect(body).toContain('invoke_agent Leaky');
  expect(body).toContain('GET https://api.example.com/?token=');
  expect(body).toContain('db.internal:5432/prod');
  expect(body).toContain('"role\\":\\"user\\"'); // the JSON payload is still there, its secret key hidden
  for (const [name, secret] of Object.entries(SECRETS)) {
    const leaked = [secret, secret.slice(0, 16)].filter(
      (part) => body.includes(part) || body.includes(part.replace(/\//g, '\\/')),
    );
    expect({ name, leaked }).toEqual({ name, leaked: [] });
  }
  expect(body).not.toContain('Pw-9f8e7d6c');

  // PostgreSQL holds the same span with its name scrubbed too.
  const { Client } = await import('pg');
  const client = new Client({ connectionString: database.url });
  await client.connect();
  const { rows } = await client
    .query(`SELECT name, error_message FROM agent_executions WHERE name LIKE 'GET %'`)
    .finally(() => client.end());
  expect(rows).toHaveLength(1);
  expect(JSON.stringify(rows)).not.toContain(SECRETS.githubToken);
  expect(JSON.stringify(rows)).not.toContain(SECRETS.openaiKey);
});
