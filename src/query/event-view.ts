import type { EventLevel } from '../model/records';
import { dateOf, jsonObjectOrNull } from './sql-values';
import type { EventView } from './types';

/** The SELECT list of an EventView over agent_events aliased `v`. */
export const EVENT_VIEW_COLUMNS = `
  v.id AS "eventId", v.execution_id AS "executionId", v.trace_id AS "traceId", v.span_id AS "spanId",
  v.ordinal AS "ordinal", v.level AS "level", v.message AS "message", v.attributes::text AS "attributes",
  v.occurred_at AS "occurredAt"`;

export function toEventView(row: Record<string, unknown>): EventView {
  return {
    eventId: String(row.eventId),
    executionId: String(row.executionId),
    traceId: String(row.traceId),
    spanId: String(row.spanId),
    ordinal: Number(row.ordinal),
    level: row.level as EventLevel,
    message: String(row.message),
    attributes: jsonObjectOrNull(row.attributes),
    occurredAt: dateOf(row.occurredAt),
  };
}
