import 'reflect-metadata';
import type { ExecutionRecord, SpanRecord } from '../../src/model/records';
import { entityColumnOptions } from '../../src/store/schema/entities/entity-columns';
import { EXECUTION_COLUMNS, FILLED_FIELDS } from '../../src/store/schema/execution-columns';
import { PERFORMANCE_COLUMNS } from '../../src/store/schema/performance-columns';
import { CopyBinaryRows } from '../../src/store/write/copy-binary';
import { fieldWriter, objectBuilder } from '../../src/store/write/compiled-columns';
import { dedupeRecords } from '../../src/store/write/dedupe-records';
import { buildSpanUpsertSql } from '../../src/store/write/span-upsert-sql';
import { buildCopyStatements } from '../../src/store/write/span-copy';
import { toPayloadRow } from '../../src/store/write/upsert-payload';
import { finalSpan, llmSpan, newTraceId, runningSpan } from '../support/span-records';

/** An execution record whose every field holds a value no other field holds. */
function distinctRecord(): ExecutionRecord {
  const record = finalSpan({
    traceId: newTraceId(),
    execution: { instrumentationScope: 'scope@1', metrics: '{"m":1}', sdkLanguage: 'python' },
  });
  const execution = record.execution as unknown as Record<string, unknown>;
  for (const [field, value] of Object.entries(execution)) {
    if (typeof value === 'string' && !field.endsWith('At')) execution[field] = `${field}:${value}`;
  }
  execution.qualityScore = 42;
  execution.errorType = 'errorType';
  execution.errorMessage = 'errorMessage';
  return record.execution;
}

const fakeDataSource = { options: {} } as never;

describe('the execution column table', () => {
  it('reads each column from the record field of its name, and covers every record field', () => {
    const record = distinctRecord();
    for (const column of EXECUTION_COLUMNS)
      expect([column.name, column.read(record)]).toEqual([column.name, record[column.field]]);
    expect(EXECUTION_COLUMNS.map((column) => column.field).sort()).toEqual(Object.keys(record).sort());
  });

  it('fills the descriptive fields from another record of the span, never how it ended', () => {
    expect([...FILLED_FIELDS].sort()).toEqual(
      [
        'agentName',
        'agentVersion',
        'conversationId',
        'input',
        'instrumentationScope',
        'kind',
        'metadata',
        'name',
        'parentSpanId',
        'sdkLanguage',
        'serviceName',
        'sessionId',
        'startedAt',
        'tenantId',
        'userId',
      ].sort(),
    );
    const sql = buildSpanUpsertSql(fakeDataSource);
    expect(sql).toContain(
      `instrumentation_scope = CASE WHEN EXCLUDED.status = 'running' THEN COALESCE(t.instrumentation_scope, ` +
        `EXCLUDED.instrumentation_scope) ELSE COALESCE(EXCLUDED.instrumentation_scope, t.instrumentation_scope) END`,
    );
    expect(sql).toContain(
      `output = CASE WHEN EXCLUDED.status = 'running' THEN COALESCE(t.output, EXCLUDED.output) ELSE EXCLUDED.output END`,
    );
    expect(buildCopyStatements(fakeDataSource).executions).toContain(
      ', metrics, instrumentation_scope, sdk_language) FROM STDIN',
    );
  });

  it('merges a final record with the running one like the upsert does, an absent field counting as none', () => {
    const started = runningSpan({
      traceId: newTraceId(),
      execution: { instrumentationScope: 'agentspan@0.1.0', userId: 'u' },
    });
    const ended = finalSpan({
      traceId: started.execution.traceId,
      spanId: started.execution.spanId,
      execution: { userId: null },
    });
    const [merged] = dedupeRecords([started, ended]);
    expect(merged!.record.execution).toMatchObject({
      instrumentationScope: 'agentspan@0.1.0',
      userId: 'u',
      status: 'completed',
    });
  });

  it('gives the entity the columns the migrations create', () => {
    const byName = new Map(EXECUTION_COLUMNS.map((column) => [column.name, entityColumnOptions(column)]));
    expect(byName.get('trace_id')).toEqual({
      name: 'trace_id',
      type: 'varchar',
      length: 32,
      collation: 'C',
      nullable: false,
    });
    expect(byName.get('error_message')).toMatchObject({ name: 'error_message', type: 'text', nullable: true });
    expect(byName.get('quality_score')).toMatchObject({ type: 'double precision', nullable: true });
    expect(byName.get('instrumentation_scope')).toMatchObject({ type: 'varchar', length: 256, nullable: true });
  });
});

describe('compiled column functions', () => {
  const records: SpanRecord[] = [
    llmSpan(newTraceId(), 'aaaaaaaaaaaaaaaa', {}, { instrumentationScope: '@traceloop/instrumentation-openai@0.27.0' }),
    finalSpan({ traceId: newTraceId(), performance: null, execution: { metrics: '{"a":1}', qualityScore: 5 } }),
  ];

  it('write the same COPY fields as the loop they replace', () => {
    const encode = (compile: boolean) => {
      const writeExecution = fieldWriter(EXECUTION_COLUMNS, compile);
      const writePerformance = fieldWriter(PERFORMANCE_COLUMNS, compile);
      const rows = new CopyBinaryRows();
      for (const record of records) {
        rows.row(EXECUTION_COLUMNS.length + PERFORMANCE_COLUMNS.length);
        writeExecution(rows, record.execution);
        if (record.performance === null) PERFORMANCE_COLUMNS.forEach(() => rows.null());
        else writePerformance(rows, record.performance);
      }
      return rows.bytes();
    };
    expect(encode(true)).toEqual(encode(false));
  });

  it('build the same objects as the loop they replace, and the payload rows the upsert reads', () => {
    const fields = [
      { key: 'trace_id', read: (e: ExecutionRecord) => e.traceId },
      { key: 'quality_score', read: (e: ExecutionRecord) => e.qualityScore },
      { key: 'scope', read: (scope: string) => scope.toUpperCase(), of: 1 },
    ];
    for (const record of records) {
      const args: [ExecutionRecord, string | null] = [record.execution, record.execution.instrumentationScope ?? null];
      const compiled = objectBuilder<[ExecutionRecord, string | null]>(fields as never)(...args);
      expect(JSON.stringify(compiled)).toBe(
        JSON.stringify(objectBuilder<[ExecutionRecord, string | null]>(fields as never, false)(...args)),
      );
    }
    expect(toPayloadRow(records[0]!)).toMatchObject({
      trace_id: records[0]!.execution.traceId,
      instrumentation_scope: '@traceloop/instrumentation-openai@0.27.0',
      has_performance: true,
      p_input_tokens: 100,
      p_counted: true,
    });
    const withoutPerformance = JSON.parse(JSON.stringify(toPayloadRow(records[1]!)));
    expect(withoutPerformance).toMatchObject({ has_performance: false, metrics: '{"a":1}', quality_score: 5 });
    expect(
      Object.keys(withoutPerformance).filter((key) => key.startsWith('p_') || key === 'instrumentation_scope'),
    ).toEqual([]);
  });

  it('refuse a key that is not a column name', () => {
    expect(() => objectBuilder([{ key: 'a"b', read: () => 1 }])).toThrow(/not a column name/);
  });
});
