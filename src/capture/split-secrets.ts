import type { CompiledRedaction } from './redaction';

/** A string value of a captured chunk, where its path's text runs across chunks. */
interface Leaf {
  readonly part: number;
  readonly start: number;
  readonly end: number;
}

/** Text of one JSON path across chunks (`choices.0.delta.content`), and the leaves it was joined from. */
interface PathText {
  text: string;
  leaves: Leaf[];
}

const MAX_DEPTH = 16;

/**
 * Finds secrets that no single chunk of a stream holds but the chunks joined do: a streamed completion sends a key a
 * few characters per chunk, each chunk is redacted on its own and passes, and the deltas joined give the key back.
 * The string values of the captured chunks are joined per JSON path, in order; every value that holds part of a
 * secret found in a joined text is replaced. Works on captured (bounded) JSON text, so its cost is bounded too.
 */
export class SplitSecretFinder {
  private readonly paths = new Map<string, PathText>();

  constructor(private readonly redaction: CompiledRedaction) {}

  /** Records the string values of captured chunk number `part` (JSON text). */
  add(part: number, json: string): void {
    if (!this.redaction.enabled) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch {
      return;
    }
    this.collect(parsed, '', part, 0);
  }

  /** The chunks to rewrite: for each, the values (by their position in its walk order) to replace. */
  tainted(): Map<number, Set<number>> {
    const result = new Map<number, Set<number>>();
    for (const { text, leaves } of this.paths.values()) {
      if (leaves.length < 2) continue;
      for (const [start, end] of this.redaction.secretRanges(text)) {
        for (const leaf of leaves) {
          if (leaf.end > start && leaf.start < end) {
            let values = result.get(leaf.part);
            if (values === undefined) result.set(leaf.part, (values = new Set()));
            values.add(leaf.start);
          }
        }
      }
    }
    return result;
  }

  /** A chunk's JSON with the values starting at the given offsets of its paths' texts replaced. */
  rewrite(part: number, json: string, starts: Set<number>): string {
    const replacement = this.redaction.replacement;
    const replace = (value: unknown, path: string, depth: number): unknown => {
      if (typeof value === 'string') {
        const leaf = this.paths
          .get(path)
          ?.leaves.find((candidate) => candidate.part === part && starts.has(candidate.start));
        return leaf === undefined ? value : replacement;
      }
      if (typeof value !== 'object' || value === null || depth >= MAX_DEPTH) return value;
      if (Array.isArray(value)) return value.map((item, i) => replace(item, `${path}.${i}`, depth + 1));
      const result: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) {
        Object.defineProperty(result, key, {
          value: replace(item, `${path}.${key}`, depth + 1),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return result;
    };
    try {
      return JSON.stringify(replace(JSON.parse(json), '', 0));
    } catch {
      return JSON.stringify(replacement);
    }
  }

  private collect(value: unknown, path: string, part: number, depth: number): void {
    if (typeof value === 'string') {
      let joined = this.paths.get(path);
      if (joined === undefined) this.paths.set(path, (joined = { text: '', leaves: [] }));
      joined.leaves.push({ part, start: joined.text.length, end: joined.text.length + value.length });
      joined.text += value;
      return;
    }
    if (typeof value !== 'object' || value === null || depth >= MAX_DEPTH) return;
    if (Array.isArray(value)) {
      value.forEach((item, i) => this.collect(item, `${path}.${i}`, part, depth + 1));
      return;
    }
    for (const [key, item] of Object.entries(value)) this.collect(item, `${path}.${key}`, part, depth + 1);
  }
}
