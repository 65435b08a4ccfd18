import { SpanKind, type Attributes, type Context } from '@opentelemetry/api';
import { sanitizeAttributes } from '../capture/attributes';
import { captureSettings } from '../capture/settings';
import { activeAgentOf } from '../context/agent-scope';
import { errorText } from '../context/error-text';
import { reportOnce } from '../internal/report-once';
import {
  ATTR_AGENTSPAN_KIND,
  ATTR_CODE_FUNCTION_NAME,
  ATTR_GEN_AI_AGENT_DESCRIPTION,
  ATTR_GEN_AI_AGENT_ID,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_AGENT_VERSION,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_TOOL_DESCRIPTION,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_TOOL_TYPE,
  GEN_AI_OPERATION_CHAT,
  GEN_AI_OPERATION_EXECUTE_TOOL,
  GEN_AI_OPERATION_INVOKE_AGENT,
} from '../semconv/attributes';
import { agentIdentityOf, classNameOf, identityFrom, type AgentIdentity } from './agent-identity';
import type { SpanRole, TracedOptions } from './types';

/** Everything about a decorated function that is fixed when it is decorated. */
export interface CallDefinition {
  readonly role: SpanRole;
  readonly functionName: string;
  readonly options: TracedOptions;
  /** Methods take their agent from `this`; plain functions from their options or the enclosing agent run. */
  readonly isMethod: boolean;
  readonly fixedAgent: AgentIdentity | undefined;
  /** Static parts of the span, per agent identity and role, computed on first use. */
  readonly shapes: WeakMap<object, Map<SpanRole, SpanShape>>;
  staticAttributes?: { version: number; attributes: Attributes };
}

/** Name, kind and fixed attributes of the spans one definition creates for one agent. */
export interface SpanShape {
  readonly name: string;
  readonly kind: SpanKind;
  readonly attributes: Attributes;
}

export interface CallPlan {
  readonly role: SpanRole;
  readonly shape: SpanShape;
  readonly agent: AgentIdentity | undefined;
}

// Shapes of spans with no agent are cached under this key.
const NO_AGENT = {};

export function defineCall(
  role: SpanRole,
  functionName: string,
  options: TracedOptions,
  isMethod: boolean,
): CallDefinition {
  const fixedAgent =
    role === 'agent' && !isMethod ? identityFrom(options.agent ?? {}, options.name ?? functionName) : undefined;
  return { role, functionName, options, isMethod, fixedAgent, shapes: new WeakMap() };
}

/** Decides what span a call makes: its role (an @Trace call can be the agent execution), name and attributes. */
export function planCall(definition: CallDefinition, self: unknown, parent: Context): CallPlan {
  const ownAgent = definition.fixedAgent ?? (definition.isMethod ? agentIdentityOf(self) : undefined);
  let role = definition.role;
  // The outermost agentspan call on an agent instance is that agent's execution; calls inside it are its tasks.
  if (
    role === 'task' &&
    ownAgent &&
    typeof self === 'object' &&
    self !== null &&
    activeAgentOf(parent)?.instance !== self
  ) {
    role = 'agent';
  }
  const agent = ownAgent ?? activeAgentOf(parent)?.identity;
  const key = agent ?? NO_AGENT;
  let byRole = definition.shapes.get(key);
  if (!byRole) {
    byRole = new Map();
    definition.shapes.set(key, byRole);
  }
  let shape = byRole.get(role);
  if (!shape) {
    shape = shapeOf(definition, role, agent, self);
    byRole.set(role, shape);
  }
  return { role, shape, agent };
}

function shapeOf(
  definition: CallDefinition,
  role: SpanRole,
  agent: AgentIdentity | undefined,
  self: unknown,
): SpanShape {
  const { options, functionName } = definition;
  // A task is what an agentspan span is when nothing else is said: tasks carry no kind attribute, which keeps the
  // most common span one attribute lighter. Readers treat an agentspan-scope span without a kind as a task.
  const attributes: Attributes = role === 'task' ? {} : { [ATTR_AGENTSPAN_KIND]: role };
  if (agent) {
    attributes[ATTR_GEN_AI_AGENT_NAME] = agent.name;
    if (agent.version !== undefined) attributes[ATTR_GEN_AI_AGENT_VERSION] = agent.version;
    if (agent.description !== undefined) attributes[ATTR_GEN_AI_AGENT_DESCRIPTION] = agent.description;
    if (agent.id !== undefined) attributes[ATTR_GEN_AI_AGENT_ID] = agent.id;
  }
  switch (role) {
    case 'agent': {
      const agentName = agent?.name ?? options.name ?? functionName;
      attributes[ATTR_GEN_AI_OPERATION_NAME] = GEN_AI_OPERATION_INVOKE_AGENT;
      // The span is named after the agent, so the method that started the run is recorded beside it.
      attributes[ATTR_CODE_FUNCTION_NAME] = functionName;
      return freeze(`${GEN_AI_OPERATION_INVOKE_AGENT} ${agentName}`, SpanKind.INTERNAL, attributes);
    }
    case 'tool': {
      const toolName = options.name ?? functionName;
      attributes[ATTR_GEN_AI_OPERATION_NAME] = GEN_AI_OPERATION_EXECUTE_TOOL;
      attributes[ATTR_GEN_AI_TOOL_NAME] = toolName;
      attributes[ATTR_GEN_AI_TOOL_TYPE] = options.type ?? 'function';
      if (options.description !== undefined) attributes[ATTR_GEN_AI_TOOL_DESCRIPTION] = options.description;
      return freeze(`${GEN_AI_OPERATION_EXECUTE_TOOL} ${toolName}`, SpanKind.INTERNAL, attributes);
    }
    case 'llm': {
      const operation = options.operation ?? GEN_AI_OPERATION_CHAT;
      attributes[ATTR_GEN_AI_OPERATION_NAME] = operation;
      if (options.provider !== undefined) attributes[ATTR_GEN_AI_PROVIDER_NAME] = options.provider;
      if (options.model !== undefined) attributes[ATTR_GEN_AI_REQUEST_MODEL] = options.model;
      const name = options.name ?? (options.model !== undefined ? `${operation} ${options.model}` : operation);
      return freeze(name, SpanKind.CLIENT, attributes);
    }
    case 'decision':
      return freeze(`decision ${options.name ?? functionName}`, SpanKind.INTERNAL, attributes);
    case 'task': {
      const owner = definition.isMethod ? (agent && agentIdentityOf(self) ? agent.name : classNameOf(self)) : undefined;
      const name = options.name ?? (owner ? `${owner}.${functionName}` : functionName);
      return freeze(name, SpanKind.INTERNAL, attributes);
    }
  }
}

function freeze(name: string, kind: SpanKind, attributes: Attributes): SpanShape {
  return Object.freeze({ name, kind, attributes: Object.freeze(attributes) });
}

/** The `attributes` option, evaluated and made safe. A throwing function is reported and contributes nothing. */
export function userAttributes(definition: CallDefinition, self: unknown, args: unknown[]): Attributes | undefined {
  const given = definition.options.attributes;
  if (given === undefined) return undefined;
  const settings = captureSettings();
  if (typeof given !== 'function') {
    // Fixed attributes are sanitized once per capture configuration, not per call.
    if (definition.staticAttributes?.version !== settings.version) {
      definition.staticAttributes = { version: settings.version, attributes: sanitizeAttributes(given, settings) };
    }
    return definition.staticAttributes.attributes;
  }
  try {
    return sanitizeAttributes(given(self, args), settings);
  } catch (error) {
    reportOnce(
      `attributes-threw:${definition.functionName}`,
      `the attributes function of ${definition.functionName} threw: ${errorText(error)}`,
    );
    return undefined;
  }
}
