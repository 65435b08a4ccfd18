import { findUrls, maskUrl } from './mask-url';
import type { RedactionOptions } from './types';

export const DEFAULT_REPLACEMENT = '[REDACTED]';

/**
 * Words of a key (split at `_`, `-`, `.`, spaces and camelCase humps) that mark its value as secret: `db_password`,
 * `clientSecret`, `X-Auth`, `auth_header`, `pass`. Whole words, so `secretary`, `passage` and `author` stay visible.
 */
const SECRET_KEY_WORDS = new Set(
  (
    'password passwd passphrase pass pwd secret secrets authorization auth cookie cookies credential ' +
    'credentials signature apikey privatekey accesskey'
  ).split(' '),
);
/** Two words that make one: `api_key`, `privateKey`, `x-access-key`. */
const SECRET_KEY_PAIRS = new Set(['apikey', 'privatekey', 'accesskey', 'secretkey', 'sessionkey', 'signingkey']);
/**
 * A key ending in the word `token` is a secret (`access_token`, `idToken`, `csrf-token`) unless the word before it
 * says it counts or names model tokens (`inputToken`, `max_token`), and a bare `token` is not: OpenAI's logprobs
 * name every generated token so. A secret under any of these keys is still found by its shape.
 */
const MODEL_TOKEN_WORDS = new Set(
  (
    'input output prompt completion max min total cached reasoning next first last start end stop bos eos ' +
    'pad unk special sep mask top'
  ).split(' '),
);

interface ValueRule {
  /**
   * Cheap tests every match passes, tried in order: the rule runs only on text that passes them all. The first is
   * the cheapest — a literal whose first character is rare in prose, code and JSON (V8 finds it with a memchr-like
   * search; a literal whose first character is everywhere costs some 7 ns per occurrence) or a single character —
   * and the costlier ones run only on text that passed it (measured per 8 KB in bench/hostile-input.ts).
   */
  anchors: RegExp[];
  pattern: RegExp;
  /** The replacement text of a match (`$1` and the like allowed), given the configured replacement. */
  replace: (replacement: string) => string;
  /** Instead of `replace`: the match rewritten in code (for rules a regular expression cannot say in linear time). */
  mask?: (match: string, replacement: string) => string;
  /**
   * Instead of running `pattern` over long text: the matches found in code, as [start, end) in order. `pattern`
   * still says the same for the combined test of short strings.
   */
  find?: (value: string) => Array<[number, number]>;
}

/** Secrets recognisable by their shape, wherever they appear in a string. */
const BUILT_IN_VALUE_RULES: ValueRule[] = [
  // OpenAI, Anthropic and similar keys: sk-…, sk-proj-…, sk-ant-…
  { anchors: [/k-/], pattern: /\bsk-[A-Za-z0-9_-]{16,}/g, replace: (r) => r },
  // Stripe-style live and test keys
  { anchors: [/_/, /k_(?:live|test)_/], pattern: /\b[rs]k_(?:live|test)_[A-Za-z0-9]{16,}/g, replace: (r) => r },
  // Authorization header values: keep the scheme, hide the credential. A credential has a digit, a symbol or a case
  // change, so prose ("a basic question", "token limits") is left alone.
  {
    // Case-sensitive, so the case change is one: the scheme is written as headers write it. The first anchor, the
    // scheme's last two letters before white space, skips text without white space three times faster.
    anchors: [/(?:er|ic|en|ER|IC|EN)\s/, /[Bb]earer|[Bb]asic|[Tt]oken|BEARER|BASIC|TOKEN/],
    pattern:
      /\b([Bb]earer|[Bb]asic|[Tt]oken|BEARER|BASIC|TOKEN)\s+(?=[A-Za-z]*(?:[0-9._~+/=-]|[a-z][A-Z]))[A-Za-z0-9._~+/=-]{8,}/g,
    replace: (r) => `$1 ${r}`,
  },
  // GitHub tokens
  {
    anchors: [/_/, /gh[pousr]_|github_pat_/],
    pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})/g,
    replace: (r) => r,
  },
  // AWS access key ids
  { anchors: [/IA/, /A(?:KIA|SIA)/], pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, replace: (r) => r },
  // Google API keys
  { anchors: [/AIza/], pattern: /\bAIza[0-9A-Za-z_-]{35}/g, replace: (r) => r },
  // Slack tokens
  { anchors: [/-/, /xox[abprs]-/], pattern: /\bxox[abprs]-[A-Za-z0-9-]{10,}/g, replace: (r) => r },
  // JSON Web Tokens
  // (starting only where a run of token characters starts: `eyJ-eyJ-…` must not be tried at every `eyJ`, which made
  // the pattern quadratic in the length of the string)
  // (and tried only on text with a dot-separated segment: `eyJ-eyJ-…` holds a candidate every four characters;
  // `yJ` first, as `e` is the commonest letter of English)
  {
    anchors: [/yJ/, /eyJ/, /\.[A-Za-z0-9_-]{8,}\./],
    pattern: /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g,
    replace: (r) => r,
  },
  // Passwords in URLs: scheme://user:password@host, also with no user (redis://:pw@host), with `/` or `@` unencoded
  // in the password, and ?password= parameters — each URL found once (linear: a scheme starts only where a run of
  // scheme characters starts) and masked by maskUrl. Long text is searched from each `://` (findUrls): the pattern
  // tries a scheme at every letter, 5 ns a character.
  {
    anchors: [/:\/\//],
    pattern: /(?<![a-z0-9+.-])[a-z][a-z0-9+.-]{0,31}:\/\/[^\s"'<>]+/gi,
    replace: (r) => r,
    mask: (url, replacement) => maskUrl(url, replacement),
    find: findUrls,
  },
  // Password query parameters: ?password=…, &pass=…, ;sslpassword=…
  {
    anchors: [/=/, /pass(?:word)?=/i],
    pattern: /([?&;](?:ssl)?pass(?:word)?=)[^&#\s"'<>]+/gi,
    replace: (r) => `$1${r}`,
  },
  // libpq keyword/value strings and the like: password=…, password='…' (no space around `=`, so code such as
  // `password = getPassword()` is left alone)
  {
    anchors: [/=/, /password=/i],
    pattern: /\b((?:ssl)?password=)(?:'(?:[^'\\]|\\.)*'|[^\s&;,'"]+)/gi,
    replace: (r) => `$1${r}`,
  },
  // PEM private keys, and one whose end was cut off (a capture limit, a stream chunk): hidden to the end of the text
  {
    anchors: [/BEGIN /, /-----BEGIN /],
    pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----(?:[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----|[\s\S]*)/g,
    replace: (r) => r,
  },
];

// Strings shorter than this cannot hold any built-in secret shape; skipping them keeps the hot path cheap.
const SHORTEST_SECRET = 12;
/** Up to this length the rules are tested combined; past it each rule's anchors are (see compileRedaction). */
const SHORT_TEXT = 256;

export interface CompiledRedaction {
  readonly enabled: boolean;
  readonly replacement: string;
  readonly redactor: ((value: string, key: string | undefined) => string) | undefined;
  isSecretKey(key: string): boolean;
  /** Replaces the secret-shaped parts of a string; returns the same string when there are none. */
  redactPatterns(value: string): string;
  /** A cheap test: false means redactPatterns would leave the string as it is. */
  mayContainSecret(value: string): boolean;
  /** Where the secret-shaped parts of a string are: [start, end) of each match of each rule. */
  secretRanges(value: string): Array<[number, number]>;
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
    return { anchors: [withoutState(pattern)], pattern: globalCopy(pattern), replace: (r: string) => r };
  });
  const rules = [...BUILT_IN_VALUE_RULES, ...userRules];
  const shortest = userRules.length > 0 ? 1 : SHORTEST_SECRET;

  // Keys repeat endlessly (the same payload shapes again and again), so remember each verdict.
  const keyVerdicts = new Map<string, boolean>();
  const isSecretKey = (key: string): boolean => {
    const known = keyVerdicts.get(key);
    if (known !== undefined) return known;
    const verdict =
      isSecretKeyName(key) ||
      (extraKeyFragments.length > 0 && includesAny(normalizeKey(key), extraKeyFragments)) ||
      extraKeyPatterns.some((pattern) => pattern.test(key));
    if (keyVerdicts.size < 10_000) keyVerdicts.set(key, verdict);
    return verdict;
  };

  // A short string is tested once against all the rules combined (one pass, the fewest steps for a few dozen
  // characters); a long one against each rule's anchors, which skip through it, so the work stays a few passes of a
  // literal search over the text whatever the text is. The precise rules then run only where their anchors hold.
  const anySecret = new RegExp(rules.map((rule) => `(?:${rule.pattern.source})`).join('|'), 'i');
  const literalReplacement = replacement.replace(/\$/g, '$$$$');
  const anchored = (rule: ValueRule, value: string): boolean => rule.anchors.every((anchor) => anchor.test(value));
  const mayContainSecret = (value: string): boolean => {
    if (value.length < shortest) return false;
    if (value.length <= SHORT_TEXT) return anySecret.test(value);
    return rules.some((rule) => anchored(rule, value));
  };
  // Characters JSON must escape, NUL (PostgreSQL rejects it) and surrogates (lone ones are rejected too), in the
  // same pass as the secret shapes for a short string, so a clean one costs a single regex test.
  const special = '["\\\\\\u0000-\\u001f\\ud800-\\udfff]';
  const careful = new RegExp(`${special}|${anySecret.source}`, 'i');
  const specialOnly = new RegExp(special);
  const needsCare = (value: string): boolean => {
    if (value.length < shortest) return specialOnly.test(value);
    if (value.length <= SHORT_TEXT) return careful.test(value);
    return specialOnly.test(value) || mayContainSecret(value);
  };
  const redactPatterns = (value: string): string => {
    if (value.length < shortest) return value;
    if (value.length <= SHORT_TEXT && !anySecret.test(value)) return value;
    let result = value;
    for (const rule of rules) {
      if (!anchored(rule, result)) continue;
      const { mask, find } = rule;
      if (find !== undefined && mask !== undefined) {
        result = maskFound(result, find(result), (match) => mask(match, replacement));
        continue;
      }
      rule.pattern.lastIndex = 0;
      result =
        mask === undefined
          ? result.replace(rule.pattern, rule.replace(literalReplacement))
          : result.replace(rule.pattern, (match) => mask(match, replacement));
    }
    return result;
  };

  const secretRanges = (value: string): Array<[number, number]> => {
    const ranges: Array<[number, number]> = [];
    // As in redactPatterns: a long string is tested by each rule's anchors below, once, not first by all of them.
    if (value.length < shortest || (value.length <= SHORT_TEXT && !anySecret.test(value))) return ranges;
    for (const rule of rules) {
      if (!anchored(rule, value)) continue;
      // A rule that rewrites in code may find nothing secret in its match (a URL without a password).
      const isSecret = (match: string) => rule.mask === undefined || rule.mask(match, replacement) !== match;
      if (rule.find !== undefined) {
        for (const [start, end] of rule.find(value)) if (isSecret(value.slice(start, end))) ranges.push([start, end]);
        continue;
      }
      rule.pattern.lastIndex = 0;
      for (let match = rule.pattern.exec(value); match !== null; match = rule.pattern.exec(value)) {
        if (isSecret(match[0])) ranges.push([match.index, match.index + match[0].length]);
        if (match[0].length === 0) rule.pattern.lastIndex++; // a user pattern that matches nothing must not loop
      }
    }
    return ranges;
  };

  return {
    enabled: options.enabled !== false,
    replacement,
    redactor: options.redactor,
    isSecretKey,
    redactPatterns,
    mayContainSecret,
    secretRanges,
    needsCare,
  };
}

/** The built-in key rule: the words of the key (see SECRET_KEY_WORDS). */
function isSecretKeyName(key: string): boolean {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word.length > 0);
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (SECRET_KEY_WORDS.has(word)) return true;
    if (i > 0 && SECRET_KEY_PAIRS.has(words[i - 1]! + word)) return true;
  }
  const last = words.length - 1;
  return last > 0 && words[last] === 'token' && !MODEL_TOKEN_WORDS.has(words[last - 1]!);
}

/** The text with each found range rewritten by `mask`. */
function maskFound(text: string, found: Array<[number, number]>, mask: (match: string) => string): string {
  if (found.length === 0) return text;
  let out = '';
  let at = 0;
  for (const [start, end] of found) {
    out += text.slice(at, start) + mask(text.slice(start, end));
    at = end;
  }
  return out + text.slice(at);
}

function includesAny(text: string, fragments: readonly string[]): boolean {
  return fragments.some((fragment) => text.includes(fragment));
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
