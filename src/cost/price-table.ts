import type { TokenBuckets } from '../model/records';

/** One row of model_prices, as the writer loads it: prices are exact decimal text, times epoch microseconds. */
export interface PriceRow {
  id: number;
  /** Lower case; null: any provider. */
  provider: string | null;
  /** Lower case, `*` as the only wildcard. */
  modelPattern: string;
  input: string;
  output: string;
  cacheRead: string | null;
  cacheWrite: string | null;
  reasoning: string | null;
  /** -Infinity for the seeded list prices ("since always"). */
  validFromMicros: number;
  /** null while current. */
  validToMicros: number | null;
}

/** What of a model call decides its price. */
export interface PricedCall {
  provider: string | null;
  responseModel: string | null;
  requestModel: string | null;
  /** When the call started, in epoch microseconds; a function is only called when a price's validity needs it. */
  startedAtMicros: number | (() => number);
}

interface Candidate {
  row: PriceRow;
  matchesResponse: boolean;
  literalLength: number;
  exact: boolean;
}

/**
 * The price table in memory, for one write (or one repricing batch): which price a model call gets. Pure. The rule:
 * among the prices valid at the call's start whose pattern matches its response model (else its request model) and
 * whose provider is the call's or none, the one matching the response model, then with the most literal characters,
 * then exact before wildcard, then for the call's own provider, then the newest, wins. Matching is done once per
 * distinct (provider, response model, request model) and remembered: a write's calls share a handful of models.
 */
export class PriceTable {
  private readonly patterns: Array<{ row: PriceRow; regex: RegExp; literalLength: number; exact: boolean }>;
  private readonly candidates = new Map<string, Candidate[]>();

  constructor(rows: readonly PriceRow[]) {
    this.patterns = rows.map((row) => ({
      row,
      regex: globRegex(row.modelPattern),
      literalLength: row.modelPattern.replace(/\*/g, '').length,
      exact: !row.modelPattern.includes('*'),
    }));
  }

  priceOf(call: PricedCall): PriceRow | undefined {
    const provider = call.provider?.toLowerCase() ?? null;
    const response = call.responseModel?.toLowerCase() ?? null;
    const request = call.requestModel?.toLowerCase() ?? null;
    const key = `${provider}\u0000${response}\u0000${request}`;
    let candidates = this.candidates.get(key);
    if (candidates === undefined) {
      candidates = [];
      for (const { row, regex, literalLength, exact } of this.patterns) {
        if (row.provider !== null && row.provider !== provider) continue;
        const matchesResponse = response !== null && regex.test(response);
        if (!matchesResponse && !(request !== null && regex.test(request))) continue;
        candidates.push({ row, matchesResponse, literalLength, exact });
      }
      candidates.sort(byRank);
      this.candidates.set(key, candidates);
    }
    let start = call.startedAtMicros;
    for (const { row } of candidates) {
      // Most prices hold since always and until further notice: the call's time is not needed to choose them.
      if (row.validFromMicros === -Infinity && row.validToMicros === null) return row;
      if (typeof start === 'function') start = start();
      if (row.validFromMicros <= start && (row.validToMicros === null || start < row.validToMicros)) return row;
    }
    return undefined;
  }
}

function byRank(a: Candidate, b: Candidate): number {
  return (
    Number(b.matchesResponse) - Number(a.matchesResponse) ||
    b.literalLength - a.literalLength ||
    Number(b.exact) - Number(a.exact) ||
    Number(b.row.provider !== null) - Number(a.row.provider !== null) ||
    compareDescending(a.row.validFromMicros, b.row.validFromMicros) ||
    b.row.id - a.row.id
  );
}

// -Infinity - -Infinity is NaN: compared, not subtracted.
function compareDescending(a: number, b: number): number {
  return a === b ? 0 : a < b ? 1 : -1;
}

interface Rates {
  input: bigint;
  output: bigint;
  cacheRead: bigint;
  cacheWrite: bigint;
  reasoning: bigint;
}

/** A price's rates in millionths of a dollar per million tokens, parsed once per row (a write prices many calls). */
const ratesByRow = new WeakMap<PriceRow, Rates>();

function ratesOf(price: PriceRow): Rates {
  let rates = ratesByRow.get(price);
  if (rates === undefined) {
    const input = millionths(price.input);
    const output = millionths(price.output);
    rates = {
      input,
      output,
      cacheRead: price.cacheRead === null ? input : millionths(price.cacheRead),
      cacheWrite: price.cacheWrite === null ? input : millionths(price.cacheWrite),
      reasoning: price.reasoning === null ? output : millionths(price.reasoning),
    };
    ratesByRow.set(price, rates);
  }
  return rates;
}

/** `gpt-4o*` as an anchored regular expression: everything literal but `*`. */
function globRegex(pattern: string): RegExp {
  const literal = pattern.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${literal.join('.*')}$`, 's');
}

/**
 * The cost of a call at a price, as the exact decimal text the cost_usd column stores (10 places, rounded half up as
 * PostgreSQL rounds numerics), or null when input or output tokens are not known: a partial count priced would read
 * as the whole cost. A null cache price is the input price, a null reasoning price the output price. Computed in
 * integers (tokens × millionths of a dollar per million tokens), so no float rounding enters a budget figure.
 */
export function costOf(buckets: TokenBuckets, price: PriceRow): string | null {
  if (buckets.inputTokens === null || buckets.outputTokens === null) return null;
  const rates = ratesOf(price);
  const total =
    BigInt(buckets.inputTokens) * rates.input +
    BigInt(buckets.outputTokens) * rates.output +
    BigInt(buckets.cacheReadTokens ?? 0) * rates.cacheRead +
    BigInt(buckets.cacheWriteTokens ?? 0) * rates.cacheWrite +
    BigInt(buckets.reasoningTokens ?? 0) * rates.reasoning;
  // total is in 10^-12 dollars (10^-6 dollars per million tokens): rounded to the column's 10^-10.
  const text = ((total + 50n) / 100n).toString().padStart(11, '0');
  return `${text.slice(0, -10)}.${text.slice(-10)}`;
}

/** Decimal text with at most 6 places (numeric(14, 6)) as an integer count of millionths. */
function millionths(text: string): bigint {
  const [whole = '0', fraction = ''] = text.split('.');
  return BigInt(whole) * 1_000_000n + BigInt(`${fraction}000000`.slice(0, 6));
}

/** A timestamp (ISO text with up to microseconds, or a Date) as epoch microseconds. */
export function epochMicros(timestamp: Date | string): number {
  if (timestamp instanceof Date) return timestamp.getTime() * 1000;
  const extra = /\.\d{3}(\d{1,3})/.exec(timestamp)?.[1];
  return Date.parse(timestamp) * 1000 + (extra === undefined ? 0 : Number(extra.padEnd(3, '0')));
}
