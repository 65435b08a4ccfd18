/** How inputs, outputs and attributes are captured. All limits are in characters of JSON text. */
export interface CaptureOptions {
  /** Longest string kept whole; longer ones are cut with a marker that gives the original length. Default 8,192. */
  maxStringLength?: number;
  /** Longest JSON text for one captured value; past it items are left out with a marker. Default 32,768. */
  maxLength?: number;
  /** Deepest nesting walked; deeper objects become a short placeholder. Default 8. */
  maxDepth?: number;
  /** Most items kept per array, object, Map or Set. Default 100. */
  maxItems?: number;
  redaction?: RedactionOptions;
}

export interface RedactionOptions {
  /** Default true. Turning it off sends captured values as they are. */
  enabled?: boolean;
  /** Extra key names whose values are always redacted: a string matches a key containing it (case, `-` and `_`
   * ignored), a RegExp is tested against the key as written. */
  keys?: Array<string | RegExp>;
  /** Extra patterns; the part of any string value they match is replaced. */
  patterns?: RegExp[];
  /**
   * Called with every string value (after the built-in rules) and the key it sits under. Return the string to keep.
   * If it throws, the whole captured value is replaced by the replacement text: redaction fails closed.
   */
  redactor?: (value: string, key: string | undefined) => string;
  /** Default `[REDACTED]`. */
  replacement?: string;
}
