import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { mapSpan } from '../../src/mapping/map-span';

type MappedSpan = Parameters<typeof mapSpan>[0];

/**
 * A finished GenAI span as a bridge from another tracing system hands it over: unchecked by the SDK. By default an
 * LLM chat call; `overrides` replace whole fields.
 */
export function bridgedSpan(overrides: Record<string, unknown>): MappedSpan {
  const base = {
    name: 'chat m',
    kind: SpanKind.CLIENT,
    spanContext: () => ({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 }),
    parentSpanContext: undefined,
    startTime: [1_800_000_000, 0],
    endTime: [1_800_000_001, 0],
    duration: [1, 0],
    status: { code: SpanStatusCode.UNSET },
    attributes: { 'gen_ai.operation.name': 'chat' },
    links: [],
    events: [],
    ended: true,
    resource: { attributes: {} },
    instrumentationScope: { name: 'bridge' },
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
  return { ...base, ...overrides } as unknown as MappedSpan;
}
