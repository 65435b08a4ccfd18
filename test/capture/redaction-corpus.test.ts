import { SpanKind, trace } from '@opentelemetry/api';
import { captureJson, captureText } from '../../src/capture/safe-json';
import { captureSettings } from '../../src/capture/settings';
import { scrubSpan } from '../../src/export/scrub-span';
import { installTracing } from '../support/tracing';
import { ORDINARY_JSON, ORDINARY_TEXTS } from './corpus/ordinary';
import { SECRET_KEYS, SECRET_TEXTS } from './corpus/secrets';

const tracing = installTracing();
beforeEach(() => tracing.reset());

/** A finished span of another instrumentation carrying `value` in a plain attribute, a JSON attribute and its name. */
function exported(value: string) {
  trace
    .getTracer('some-instrumentation')
    .startSpan(`span ${value}`, {
      kind: SpanKind.CLIENT,
      attributes: { note: value, 'input.value': JSON.stringify({ note: value }) },
    })
    .end();
  const span = tracing.spans().at(-1)!;
  return JSON.stringify(scrubSpan(span, captureSettings().redaction), (key, item: unknown) =>
    key === 'resource' ? undefined : item,
  );
}

describe('secrets corpus: none survives', () => {
  it.each(SECRET_TEXTS.map((entry) => [entry.shape, entry]))(
    '%s, captured and exported',
    (_shape, { secret, text }) => {
      expect(captureText(text, captureSettings())).not.toContain(secret);
      expect(captureJson({ note: text }, captureSettings())).not.toContain(secret);
      expect(exported(text)).not.toContain(secret);
    },
  );

  it.each(SECRET_TEXTS.map((entry) => [entry.shape, entry]))(
    '%s, crossing the capture cut',
    (_shape, { secret, text }) => {
      const settings = captureSettings();
      // The secret starts just before the cut at maxStringLength and ends after it.
      const padded = `${'x '.repeat((settings.maxStringLength - text.indexOf(secret) - Math.ceil(secret.length / 2)) / 2)}${text}${' y'.repeat(4_000)}`;
      const stored = captureText(padded, settings);
      expect(stored).not.toContain(secret);
      expect(stored).not.toContain(secret.slice(0, Math.ceil(secret.length / 2)));
    },
  );

  it.each(SECRET_TEXTS.map((entry) => [entry.shape, entry]))('%s, inside a long text', (_shape, { secret, text }) => {
    // Past a few hundred characters each rule is tried only where its anchors are found: a different path.
    const long = `${'Some words around it. '.repeat(40)}${text}${' And more words after.'.repeat(40)}`;
    expect(captureText(long, captureSettings())).not.toContain(secret);
    expect(captureJson(['short', long, { nested: long }], captureSettings())).not.toContain(secret);
    expect(exported(long)).not.toContain(secret);
  });

  it.each(SECRET_TEXTS.map((entry) => [entry.shape, entry]))('%s, as an object key', (_shape, { secret, text }) => {
    expect(captureJson({ [text]: 1, plain: 'value' }, captureSettings())).not.toContain(secret);
    expect(captureJson({ [text]: new Map([[1, 2]]) }, captureSettings())).not.toContain(secret);
  });

  it('a PEM key starting at character 7,000 of a long config keeps none of its lines', () => {
    const body = Array.from({ length: 23 }, (_, i) => `MIIEline${String(i).padStart(2, '0')}${'A'.repeat(56)}`).join(
      '\n',
    );
    const config = `${'a'.repeat(7_000)}\n-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----\n${'b'.repeat(10_000)}`;
    const stored = captureText(config, captureSettings());
    expect(stored).not.toMatch(/MIIEline/);
    expect(exported(config)).not.toMatch(/MIIEline/);
  });

  it.each(SECRET_KEYS)('the value under the key %s', (key) => {
    const value = 'plain-looking value 42';
    expect(captureJson({ [key]: value }, captureSettings())).not.toContain(value);
    trace
      .getTracer('x')
      .startSpan('s', { attributes: { [key]: value, 'input.value': JSON.stringify({ [key]: value }) } })
      .end();
    expect(JSON.stringify(scrubSpan(tracing.spans().at(-1)!, captureSettings().redaction).attributes)).not.toContain(
      value,
    );
  });
});

describe('ordinary corpus: nothing touched', () => {
  it.each(ORDINARY_TEXTS)('%s', (text) => {
    expect(captureText(text, captureSettings())).toBe(text);
    expect(JSON.parse(exported(text)).name).toBe(`span ${text}`);
  });

  it('all of it as one long text', () => {
    const long = ORDINARY_TEXTS.join('\n').slice(0, captureSettings().maxStringLength);
    expect(captureText(long, captureSettings())).toBe(long);
    expect(JSON.parse(captureJson([long], captureSettings()))).toEqual([long]);
  });

  it.each(ORDINARY_JSON.map((value, i) => [i, value]))('LLM JSON %s: every key and value unchanged', (_i, value) => {
    // Capture's own size limits are not what this checks: they are lifted.
    const unlimited = { ...captureSettings(), maxDepth: 64, maxItems: 10_000 };
    expect(JSON.parse(captureJson(value, unlimited, 1_000_000))).toEqual(value);
    trace
      .getTracer('x')
      .startSpan('s', { attributes: { 'output.value': JSON.stringify(value) } })
      .end();
    const scrubbed = scrubSpan(tracing.spans().at(-1)!, captureSettings().redaction);
    expect(JSON.parse(scrubbed.attributes['output.value'] as string)).toEqual(value);
  });
});
