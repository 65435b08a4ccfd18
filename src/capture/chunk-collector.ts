import { captureJson } from './safe-json';
import type { CaptureSettings } from './settings';
import { SplitSecretFinder } from './split-secrets';

/**
 * Collects the chunks of an iterated or streamed result into one bounded JSON value as they pass, so memory stays
 * within the capture limit however long the stream runs. Text chunks are joined into one string; anything else
 * becomes an array of captured chunks, with a marker counting the chunks past the limit. Joined text is redacted as a
 * whole, so a secret sent a few characters per chunk is found: text chunks are joined before capture, the values of
 * object chunks are joined per path (SplitSecretFinder).
 */
export class ChunkCollector {
  private readonly parts: string[] = [];
  private texts: string[] | undefined = [];
  private length = 0;
  private skipped = 0;

  constructor(private readonly settings: CaptureSettings) {}

  add(chunk: unknown): void {
    if (this.length >= this.settings.maxLength) {
      this.skipped++;
      return;
    }
    if (this.texts && typeof chunk === 'string') {
      this.texts.push(chunk);
      this.length += chunk.length;
      return;
    }
    if (this.texts) {
      // First non-text chunk: the text so far becomes ordinary array items.
      for (const text of this.texts) this.parts.push(captureJson(text, this.settings));
      this.texts = undefined;
    }
    const part = captureJson(chunk, this.settings, this.settings.maxLength - this.length);
    this.parts.push(part);
    this.length += part.length;
  }

  /** The collected output as JSON text. */
  result(): string {
    if (this.texts) {
      const more = this.skipped === 0 ? '' : `…[${this.skipped} more chunks]`;
      return captureJson(this.texts.join('') + more, this.settings);
    }
    // Once, at the end (not per chunk, on the consumer's path): the parts are bounded by the capture limit.
    const splitSecrets = new SplitSecretFinder(this.settings.redaction);
    this.parts.forEach((part, index) => splitSecrets.add(index, part));
    for (const [index, starts] of splitSecrets.tainted()) {
      this.parts[index] = splitSecrets.rewrite(index, this.parts[index]!, starts);
    }
    const parts = this.skipped === 0 ? this.parts : [...this.parts, JSON.stringify(`…[${this.skipped} more chunks]`)];
    return `[${parts.join(',')}]`;
  }
}
