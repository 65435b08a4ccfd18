import { captureText } from '../capture/safe-json';
import { captureSettings } from '../capture/settings';

/**
 * An error as text for a diag message, redacted like a captured string. Errors thrown by user code — mapInput,
 * mapOutput, attributes and costUsd functions, getters, thenables, span processors — often quote the data they were
 * given, and diag goes to logs that capture never sees; so no error text reaches diag without passing redaction.
 * Follows the capture settings (a user redactor included; if it throws, the text is replaced). Never throws.
 */
export function errorText(error: unknown): string {
  let text: string;
  try {
    text = String(error);
  } catch {
    // An object without toString (Object.create(null)) or with one that throws.
    return 'an error that cannot be described';
  }
  return captureText(text, captureSettings());
}
