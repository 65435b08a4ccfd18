import { trace } from '@opentelemetry/api';
import { startAgentTelemetry } from '../../src/setup/start-agent-telemetry';
import { validateTelemetryOptions } from '../../src/setup/options';

describe('startAgentTelemetry options fail fast with a clear message', () => {
  it.each([
    [{ databaseUrl: 'mysql://root@localhost/db' }, /databaseUrl must be a postgres:\/\/ URL/],
    [{ databaseUrl: 'not a url' }, /databaseUrl is not a valid URL/],
    [{ databaseUrl: 42 }, /databaseUrl must be a postgres:\/\/ URL/],
    [{ serviceName: '' }, /serviceName must be a non-empty string/],
    [{ migrate: 'yes' }, /migrate must be a boolean/],
    [{ otlp: 'http://collector' }, /otlp must be a boolean or an object/],
    [{ otlp: { url: 'ftp://collector' } }, /otlp.url must be an http\(s\) URL/],
    [{ shutdownTimeoutMs: -1 }, /shutdownTimeoutMs must be a positive number/],
    [{ spanProcessors: {} }, /spanProcessors must be an array/],
    [{ databseUrl: 'postgres://x' }, /unknown startAgentTelemetry option databseUrl \(did you mean databaseUrl\?\)/],
    [{ warnings: 'off' }, /option warnings must be a boolean/],
    [
      { otlp: { ulr: 'http://collector:4318' } },
      /unknown startAgentTelemetry option otlp\.ulr \(did you mean otlp\.url\?\)/,
    ],
    [{ writer: { loadMetod: 'copy' } }, /unknown startAgentTelemetry option writer\.loadMetod/],
    [{ capture: { maxLenght: 5 } }, /unknown capture option maxLenght \(did you mean maxLength\?\)/],
    [{ queue: { maxQueueSzie: 5 } }, /unknown AgentSpanProcessor option queue\.maxQueueSzie/],
    [{ staleRuns: { abandonAfter: 5 } }, /unknown AgentSpanProcessor option staleRuns\.abandonAfter/],
    [{ databaseUrl: 'postgres://a@b/c', dataSource: {} }, /either databaseUrl or dataSource/],
    [{ capture: { maxDepth: 0 } }, /maxDepth must be a positive integer/],
    [{ queue: { maxQueueSize: -5 } }, /maxQueueSize/],
    [{ queue: { writeTimeoutMs: -1 } }, /writeTimeoutMs/],
    [{ writer: { loadMethod: 'bulk' } }, /writer option loadMethod must be 'auto', 'copy' or 'upsert'/],
    [{ writer: { statementTimeoutMs: 1.5 } }, /writer option statementTimeoutMs/],
    [{ databaseTimeouts: 5 }, /databaseTimeouts must be an object/],
    [{ databaseTimeouts: { statementTimeout: 5 } }, /unknown databaseTimeouts option statementTimeout/],
    [{ databaseTimeouts: { connectTimeoutMs: -1 } }, /connectTimeoutMs must be a number of milliseconds/],
    [{ rollups: 'hourly' }, /option rollups must be an object or false/],
    [{ rollups: { intervalMs: 0 } }, /option rollups\.intervalMs must be a number of milliseconds/],
  ])('%j', async (options, message) => {
    await expect(startAgentTelemetry(options as never)).rejects.toThrow(message);
    // Nothing was registered: a failed start leaves the process as it was.
    expect(trace.getTracerProvider().getTracer('x').startSpan('probe').isRecording()).toBe(false);
  });

  it('never shows a database password, in the option or in DATABASE_URL', async () => {
    const secret = 's3cr3t-p4ss';
    const fromOption = await startAgentTelemetry({ databaseUrl: `mysql://admin:${secret}@db:3306/app` }).catch(
      (e: Error) => e,
    );
    expect(String((fromOption as Error).message)).not.toContain(secret);
    expect(String((fromOption as Error).message)).toContain('mysql://admin:***@db:3306/app');
    const previous = process.env.DATABASE_URL;
    process.env.DATABASE_URL = `redis://admin:${secret}@cache:6379`;
    try {
      const fromEnv = await startAgentTelemetry({}).catch((e: Error) => e);
      expect(String((fromEnv as Error).message)).toMatch(/DATABASE_URL must be a postgres:\/\/ URL/);
      expect(String((fromEnv as Error).message)).not.toContain(secret);
    } finally {
      if (previous === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = previous;
    }
  });

  it('accepts no options at all', () => {
    expect(validateTelemetryOptions(undefined)).toEqual({});
  });
});
