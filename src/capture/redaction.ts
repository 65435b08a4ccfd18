import type { RedactionOptions } from './types';

export const DEFAULT_REPLACEMENT = '[REDACTED]';

/** Key fragments that mark a value as secret wherever they appear in the key (compared without case, `-`, `_`). */
const SECRET_KEY_FRAGMENTS = [
  'password',
  'passwd',
  'passphrase',
  'secret',
  'apikey',
  'privatekey',
  'accesskey',
  'authorization',
  'cookie',
  'credential',
];
/** Key endings that mark a secret: `accessToken`, `x-auth`, `db_pwd`. Endings only, so `maxTokens` stays visible. */
const SECRET_KEY_ENDINGS = ['token', 'pwd', 'auth', 'signature'];

interface ValueRule {
  pattern: RegExp;
  replace: (replacement: string) => string;
}

/** Secrets recognisable by their shape, wherever they appear in a string. */
const BUILT_IN_VALUE_RULES: ValueRule[] = [
  // OpenAI, Anthropic and similar keys: sk-…, sk-proj-…, sk-ant-…
  { pattern: /\bsk-[A-Za-z0-9_-]{16,}/g, replace: (r) => r },
  // Stripe-style live and test keys
  { pattern: /\b[rs]k_(?:live|test)_[A-Za-z0-9]{16,}/g, replace: (r) => r },
  // Authorization header values: keep the scheme, hide the credential
  { pattern: /\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{8,}/gi, replace: (r) => `$1 ${r}` },
  // GitHub tokens
  { pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})/g, replace: (r) => r },
  // AWS access key ids
  { pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, replace: (r) => r },
  // Google API keys
  { pattern: /\bAIza[0-9A-Za-z_-]{35}/g, replace: (r) => r },
  // Slack tokens
  { pattern: /\bxox[abprs]-[A-Za-z0-9-]{10,}/g, replace: (r) => r },
  // JSON Web Tokens
  { pattern: /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, replace: (r) => r },
  // Passwords in connection URLs: scheme://user:password@host
  { pattern: /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+@/gi, replace: (r) => `$1${r}@` },
  // PEM private keys
  {
    pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
    replace: (r) => r,
  },
];

// Strings shorter than this cannot hold any built-in secret shape; skipping them keeps the hot path cheap.
const SHORTEST_SECRET = 12;

export interface CompiledRedaction {
  readonly enabled: boolean;
  readonly replacement: string;
  readonly redactor: ((value: string, key: string | undefined) => string) | undefined;
  isSecretKey(key: string): boolean;
  /** Replaces the secret-shaped parts of a string; returns the same string when there are none. */
  redactPatterns(value: string): string;
  /** A cheap test: false means redactPatterns would leave the string as it is. */
  mayContainSecret(value: string): boolean;
  /**
   * One test for the capture fast path: false means the string can be quoted as it is — nothing to escape, nothing
   * PostgreSQL rejects, nothing secret-shaped.
   */
  needsCare(value: string): boolean;
}

export function compileRedaction(options: RedactionOptions): CompiledRedaction {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('agentspan: capture option redaction must be an object');
  }
  const replacement = options.replacement ?? DEFAULT_REPLACEMENT;
  if (typeof replacement !== 'string') {
    throw new TypeError('agentspan: redaction.replacement must be a string');
  }
  if (options.redactor !== undefined && typeof options.redactor !== 'function') {
    throw new TypeError('agentspan: redaction.redactor must be a function');
  }
  const extraKeyFragments: string[] = [];
  const extraKeyPatterns: RegExp[] = [];
  for (const key of options.keys ?? []) {
    if (typeof key === 'string' && key.length > 0) extraKeyFragments.push(normalizeKey(key));
    else if (key instanceof RegExp) extraKeyPatterns.push(withoutState(key));
    else throw new TypeError('agentspan: redaction.keys must hold non-empty strings or RegExps');
  }
  const userRules: ValueRule[] = (options.patterns ?? []).map((pattern) => {
    if (!(pattern instanceof RegExp)) throw new TypeError('agentspan: redaction.patterns must hold RegExps');
    return { pattern: globalCopy(pattern), replace: (r: string) => r };
  });
  const rules = [...BUILT_IN_VALUE_RULES, ...userRules];
  const shortest = userRules.length > 0 ? 1 : SHORTEST_SECRET;
  const keyFragments = [...SECRET_KEY_FRAGMENTS, ...extraKeyFragments];

  // Keys repeat endlessly (the same payload shapes again and again), so remember each verdict.
  const keyVerdicts = new Map<string, boolean>();
  const isSecretKey = (key: string): boolean => {
    const known = keyVerdicts.get(key);
    if (known !== undefined) return known;
    const normalized = normalizeKey(key);
    const verdict =
      keyFragments.some((fragment) => normalized.includes(fragment)) ||
      SECRET_KEY_ENDINGS.some((ending) => normalized.endsWith(ending)) ||
      extraKeyPatterns.some((pattern) => pattern.test(key));
    if (keyVerdicts.size < 10_000) keyVerdicts.set(key, verdict);
    return verdict;
  };

  // One combined, case-insensitive test rejects the common case (no secret) in a single pass; the precise rules
  // run only on strings it flags.
  const anySecret = new RegExp(rules.map((rule) => `(?:${rule.pattern.source})`).join('|'), 'i');
  const literalReplacement = replacement.replace(/\$/g, '$$$$');
  const mayContainSecret = (value: string): boolean => value.length >= shortest && anySecret.test(value);
  // Characters JSON must escape, NUL (PostgreSQL rejects it) and surrogates (lone ones are rejected too), in the
  // same pass as the secret shapes, so a clean string costs a single regex test.
  const special = '["\\\\\\u0000-\\u001f\\ud800-\\udfff]';
  const careful = new RegExp(`${special}|${anySecret.source}`, 'i');
  const specialOnly = new RegExp(special);
  const needsCare = (value: string): boolean =>
    value.length >= shortest ? careful.test(value) : specialOnly.test(value);
  const redactPatterns = (value: string): string => {
    if (!mayContainSecret(value)) return value;
    let result = value;
    for (const rule of rules) {
      rule.pattern.lastIndex = 0;
      result = result.replace(rule.pattern, rule.replace(literalReplacement));
    }
    return result;
  };

  return {
    enabled: options.enabled !== false,
    replacement,
    redactor: options.redactor,
    isSecretKey,
    redactPatterns,
    mayContainSecret,
    needsCare,
  };
}

function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[-_.\s]/g, '');
}

function globalCopy(pattern: RegExp): RegExp {
  return new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
}

function withoutState(pattern: RegExp): RegExp {
  return new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
}
