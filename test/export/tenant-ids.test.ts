import { diag, DiagLogLevel, trace } from '@opentelemetry/api';
import { Agent, Tool, Trace, withAgentContext } from '../../src/instrument';
import { resetReportedProblems } from '../../src/internal/report-once';
import { createProcessorFixture, type ProcessorFixture } from '../support/processor-fixture';

/**
 * Tenant ids are stored exactly — never cut, never redacted — or not at all: two tenants must never become one row
 * value. Through the real SDK, decorators, processor and PostgreSQL.
 */

let fixture: ProcessorFixture;
const warnings: string[] = [];

@Agent({ name: 'TenantProbe' })
class TenantProbe {
  @Trace() async run(label: string, handTenant?: string) {
    if (handTenant !== undefined) trace.getActiveSpan()?.setAttribute('agentspan.tenant.id', handTenant);
    return this.step(label);
  }
  @Tool({ name: 'step' }) async step(label: string) {
    return label;
  }
}

beforeAll(async () => {
  fixture = await createProcessorFixture();
  const record = (...args: unknown[]) => warnings.push(args.map(String).join(' '));
  diag.setLogger(
    { error: record, warn: record, info: () => {}, debug: () => {}, verbose: () => {} },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
});

afterAll(async () => {
  diag.disable();
  await fixture?.close();
});

beforeEach(() => {
  warnings.length = 0;
  resetReportedProblems();
  fixture.exporter.reset();
});

/** Runs the probe in a context, flushes, and returns the stored tenant of its agent and tool rows, by label. */
async function storedTenants(label: string): Promise<Array<{ kind: string; tenant_id: string | null }>> {
  expect((await fixture.processor.flush(30_000)).complete).toBe(true);
  const rows: Array<{ kind: string; tenant_id: string | null }> = await fixture.store.dataSource.query(
    `SELECT e.kind, e.tenant_id FROM agent_executions e
     WHERE e.trace_id IN (SELECT trace_id FROM agent_executions WHERE kind = 'tool' AND output::text LIKE $1)
     ORDER BY e.kind`,
    [`%${label}%`],
  );
  expect(rows.map((row) => row.kind)).toEqual(['agent', 'tool']);
  return rows;
}

const exportedTenants = () => fixture.exporter.getFinishedSpans().map((span) => span.attributes['agentspan.tenant.id']);

describe('tenant ids', () => {
  it('stores "Token customer01" and "Token customer02" exactly, in PostgreSQL and on the exported spans', async () => {
    for (const tenantId of ['Token customer01', 'Token customer02', 'Bearer abcdefghijklmnopqrstuvwxyz0123456789']) {
      fixture.exporter.reset();
      const label = `label-${tenantId.slice(-2)}`;
      await withAgentContext({ tenantId }, () => new TenantProbe().run(label));
      expect((await storedTenants(label)).map((row) => row.tenant_id)).toEqual([tenantId, tenantId]);
      expect(exportedTenants()).toEqual([tenantId, tenantId]);
    }
    expect(warnings).toEqual([]);
  });

  it('stores two 256-character ids that differ only in their last character as two tenants', async () => {
    const prefix = 't'.repeat(255);
    for (const last of ['1', '2']) {
      await withAgentContext({ tenantId: `${prefix}${last}` }, () => new TenantProbe().run(`long-${last}`));
      expect((await storedTenants(`long-${last}`)).map((row) => row.tenant_id)).toEqual([
        `${prefix}${last}`,
        `${prefix}${last}`,
      ]);
    }
    // 256 characters of 2 UTF-16 units each fit the column too, as the column counts characters.
    const astral = '🏢'.repeat(256);
    await withAgentContext({ tenantId: astral }, () => new TenantProbe().run('astral'));
    expect((await storedTenants('astral')).map((row) => row.tenant_id)).toEqual([astral, astral]);
    expect(warnings).toEqual([]);
  });

  it('refuses an id over 256 characters at withAgentContext: a diag warning, and the spans carry no tenant', async () => {
    await withAgentContext({ tenantId: 'x'.repeat(257) }, () => new TenantProbe().run('too-long'));
    expect((await storedTenants('too-long')).map((row) => row.tenant_id)).toEqual([null, null]);
    expect(exportedTenants()).toEqual([undefined, undefined]);
    expect(warnings).toEqual([
      'agentspan: withAgentContext: tenantId is longer than 256 characters; the spans inside carry no tenant',
    ]);
  });

  it("drops an outer tenant when an inner context gives an id it refuses: those spans are not the outer tenant's", async () => {
    await withAgentContext({ tenantId: 'acme' }, () =>
      withAgentContext({ tenantId: 'acme\u0000' }, () => new TenantProbe().run('inner-refused')),
    );
    expect((await storedTenants('inner-refused')).map((row) => row.tenant_id)).toEqual([null, null]);
    expect(warnings).toEqual([
      'agentspan: withAgentContext: tenantId contains a NUL character; the spans inside carry no tenant',
    ]);
  });

  it('stores a tenant set by hand on a span exactly, or as null with a note when it is over the limit (never cut)', async () => {
    await new TenantProbe().run('by-hand', 'Token customer03');
    expect((await storedTenants('by-hand'))[0]!.tenant_id).toBe('Token customer03');
    await new TenantProbe().run('by-hand-long', 'y'.repeat(300));
    expect((await storedTenants('by-hand-long'))[0]!.tenant_id).toBeNull();
    const notes: Array<{ message: string }> = await fixture.store.dataSource.query(
      `SELECT v.message FROM agent_events v JOIN agent_executions e ON e.trace_id = v.trace_id AND e.id = v.execution_id
       WHERE e.kind = 'agent' AND v.level = 'warn' AND e.trace_id IN
         (SELECT trace_id FROM agent_executions WHERE kind = 'tool' AND output::text LIKE '%by-hand-long%')`,
    );
    expect(notes.map((note) => note.message)).toEqual([
      'agentspan: agentspan.tenant.id is longer than 256 characters: tenant ids are stored exactly or not at all; stored as null',
    ]);
  });
});
