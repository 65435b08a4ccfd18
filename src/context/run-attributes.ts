import { context, createContextKey, type Attributes, type Context } from '@opentelemetry/api';
import { captureJson, captureText } from '../capture/safe-json';
import { captureSettings } from '../capture/settings';
import { reportOnce } from '../internal/report-once';
import { tenantIdProblem } from '../internal/tenant-id';
import { isBinary } from '../capture/attributes';
import {
  ATTR_AGENTSPAN_METADATA,
  ATTR_AGENTSPAN_TENANT_ID,
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_SESSION_ID,
  ATTR_USER_ID,
} from '../semconv/attributes';

/** Who and what a run is for. Every span agentspan starts inside `withAgentContext` carries these. */
export interface AgentRunAttributes {
  userId?: string;
  sessionId?: string;
  /**
   * Stored exactly (never cut or redacted). Empty, over 256 characters, or with a NUL or lone surrogate: refused
   * with a diag warning, and the spans inside carry no tenant (not even an outer one).
   */
  tenantId?: string;
  conversationId?: string;
  /** Anything else worth filtering runs by: issue number, PR number, repository id… */
  metadata?: Record<string, unknown>;
}

interface RunScope {
  readonly values: AgentRunAttributes;
  /** Computed once per scope, so starting a span only copies a few keys. */
  readonly attributes: Attributes;
}

const RUN_SCOPE_KEY = createContextKey('agentspan.run-attributes');

/**
 * Runs `fn` with run attributes that every agentspan span started inside it carries — across `await`, `Promise.all`
 * fan-out and timers (with the SDK's async-hooks context manager). Nested calls merge: inner values win, metadata
 * objects are merged key by key. Returns what `fn` returns.
 */
export function withAgentContext<T>(attributes: AgentRunAttributes, fn: () => T): T {
  if (typeof fn !== 'function') {
    throw new TypeError('agentspan: withAgentContext(attributes, fn) expects a function as its second argument');
  }
  let next: Context;
  try {
    next = context.active().setValue(RUN_SCOPE_KEY, mergeScope(currentScope(context.active()), attributes));
  } catch {
    return fn();
  }
  return context.with(next, fn);
}

/** The run attributes in force in `ctx`, as span attributes. */
export function runAttributesOf(ctx: Context): Attributes | undefined {
  return currentScope(ctx)?.attributes;
}

function currentScope(ctx: Context): RunScope | undefined {
  return ctx.getValue(RUN_SCOPE_KEY) as RunScope | undefined;
}

function mergeScope(parent: RunScope | undefined, given: AgentRunAttributes): RunScope {
  const incoming = given !== null && typeof given === 'object' ? given : {};
  const values: AgentRunAttributes = { ...parent?.values };
  for (const key of ['userId', 'sessionId', 'tenantId', 'conversationId'] as const) {
    const value: unknown = incoming[key];
    const id = asId(value);
    const tenantProblem = key === 'tenantId' && id !== undefined ? tenantIdProblem(id) : undefined;
    if (tenantProblem !== undefined) {
      // Refused, not cut: a cut id could be another tenant's. An outer tenant is dropped too: these spans are not its.
      delete values.tenantId;
      reportOnce(
        `run-tenantId-${tenantProblem}`,
        `withAgentContext: tenantId ${tenantProblem}; the spans inside carry no tenant`,
      );
    } else if (id !== undefined) values[key] = id;
    else if (value !== undefined && value !== null) {
      reportOnce(`run-${key}`, `withAgentContext: ${key} must be a string or a number; it was left out`);
    }
  }
  const metadata: unknown = incoming.metadata;
  // A record only: an array's or a Buffer's indices are no metadata (spreading a 10 MB Buffer took seconds).
  if (metadata !== null && typeof metadata === 'object' && !Array.isArray(metadata) && !isBinary(metadata)) {
    values.metadata = { ...parent?.values.metadata, ...metadata };
  } else if (metadata !== undefined && metadata !== null) {
    reportOnce('run-metadata', 'withAgentContext: metadata must be an object; it was left out');
  }
  return { values, attributes: toAttributes(values) };
}

/** Ids are agent data: coerce what can be coerced (numbers are often ids), never throw. */
function asId(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return undefined;
}

function toAttributes(values: AgentRunAttributes): Attributes {
  const settings = captureSettings();
  const attributes: Attributes = {};
  if (values.userId !== undefined) attributes[ATTR_USER_ID] = captureText(values.userId, settings);
  if (values.sessionId !== undefined) attributes[ATTR_SESSION_ID] = captureText(values.sessionId, settings);
  // Exactly as given (checked in mergeScope): redaction or the capture cut would change the id, and could merge tenants.
  if (values.tenantId !== undefined) attributes[ATTR_AGENTSPAN_TENANT_ID] = values.tenantId;
  if (values.conversationId !== undefined) {
    attributes[ATTR_GEN_AI_CONVERSATION_ID] = captureText(values.conversationId, settings);
  }
  if (values.metadata !== undefined) attributes[ATTR_AGENTSPAN_METADATA] = captureJson(values.metadata, settings);
  return attributes;
}
