import { trace, type Attributes, type Span } from '@opentelemetry/api';
import { captureJson, captureText } from '../capture/safe-json';
import { captureSettings } from '../capture/settings';
import { reportOnce } from '../internal/report-once';
import { errorText } from './error-text';
import {
  ATTR_DECISION_ALTERNATIVES,
  ATTR_DECISION_CHOICE,
  ATTR_DECISION_CONFIDENCE,
  ATTR_DECISION_CONTEXT,
  ATTR_DECISION_NAME,
  ATTR_DECISION_REASONING,
  EVENT_AGENTSPAN_DECISION,
} from '../semconv/attributes';
import { addNote } from './note';
import { ensureSpanState } from './span-state';

/** A choice an agent made, with what it weighed and how sure it was. */
export interface DecisionReport {
  /** The decision point; defaults to the @Decision method's name, else `decision`. */
  name?: string;
  choice: unknown;
  alternatives?: unknown[];
  reasoning?: string;
  /** 0 to 1. */
  confidence?: number;
  context?: unknown;
}

/**
 * Records a decision on the active span as an `agentspan.decision` event; a span can carry several. Outside any span
 * it does nothing; a confidence outside 0–1 or a reasoning that is not a string is left out (the decision is kept),
 * noted on the span (a `warn` event) and reported once.
 */
export function recordDecision(decision: DecisionReport): void {
  try {
    const span = trace.getActiveSpan();
    if (!span || !span.isRecording()) return;
    addDecisionEvent(span, decision);
  } catch (error) {
    reportOnce('record-decision-failed', `recordDecision failed: ${errorText(error)}`);
  }
}

/** True for a value shaped like a decision: an object with a `choice`. */
export function looksLikeDecision(value: unknown): value is DecisionReport {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'choice' in value;
}

export function addDecisionEvent(span: Span, decision: DecisionReport): void {
  if (decision === null || typeof decision !== 'object') {
    reportOnce('decision-not-object', 'recordDecision expects an object with a choice; nothing was recorded');
    addNote(span, 'recordDecision', 'expects an object with a choice', 'nothing was recorded', decision);
    return;
  }
  const settings = captureSettings();
  const state = ensureSpanState(span);
  const name = typeof decision.name === 'string' && decision.name.length > 0 ? decision.name : state?.decisionName;
  const attributes: Attributes = {
    [ATTR_DECISION_NAME]: captureText(name ?? 'decision', settings),
    [ATTR_DECISION_CHOICE]: captureJson(decision.choice, settings),
  };
  if (decision.alternatives !== undefined) {
    attributes[ATTR_DECISION_ALTERNATIVES] = captureJson(decision.alternatives, settings);
  }
  const reasoning: unknown = decision.reasoning;
  if (typeof reasoning === 'string') {
    attributes[ATTR_DECISION_REASONING] = captureText(reasoning, settings);
  } else if (reasoning !== undefined && reasoning !== null) {
    addNote(span, 'recordDecision reasoning', 'is not a string', 'left out', reasoning);
  }
  const confidence: unknown = decision.confidence;
  if (typeof confidence === 'number' && Number.isFinite(confidence) && confidence >= 0 && confidence <= 1) {
    attributes[ATTR_DECISION_CONFIDENCE] = confidence;
  } else if (confidence !== undefined && confidence !== null) {
    reportOnce('confidence-out-of-range', 'recordDecision: confidence must be a number from 0 to 1; it was left out');
    addNote(span, 'recordDecision confidence', 'is not a number from 0 to 1', 'left out', confidence);
  }
  if (decision.context !== undefined) attributes[ATTR_DECISION_CONTEXT] = captureJson(decision.context, settings);
  span.addEvent(EVENT_AGENTSPAN_DECISION, attributes);
  state.decisionCount++;
}
