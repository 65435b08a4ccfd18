/**
 * A captured JSON value as indented text, with the marks capture leaves where it cut or replaced a value shown as
 * such: `…[truncated, N chars]` (a long string), `"[truncated]"` and `"…[N more items]"` (a large array or object),
 * `"[Object]"` / `"[Array(N)]"` (too deep), `"[REDACTED]"`, `"[Circular]"`, `"[unreadable]"`. Text nodes only.
 */
import { append, h } from './dom';
import type { JsonValue } from './types';

const MARKS = [
  { pattern: /…\[truncated, \d+ chars\]/y, kind: 'cut', title: 'cut by capture: the original length' },
  { pattern: /"\[truncated\]"/y, kind: 'cut', title: 'cut by capture: the size budget was spent' },
  { pattern: /"…\[\d+ more items\]"/y, kind: 'cut', title: 'cut by capture: items left out' },
  { pattern: /"\[(?:Object|Array\(\d+\))\]"/y, kind: 'cut', title: 'cut by capture: nested too deep' },
  { pattern: /"\[REDACTED\]"/y, kind: 'redacted', title: 'redacted by capture' },
  { pattern: /"\[(?:Circular|unreadable)\]"/y, kind: 'redacted', title: 'replaced by capture' },
];
const START = /…\[truncated|"\[|"…\[/g;

/** The value as formatted JSON text. */
export function jsonText(value: JsonValue | undefined): string {
  if (value === undefined) return '';
  return JSON.stringify(value, null, 2) ?? '';
}

/** A <pre> of the value, its capture marks highlighted; `cuts` says how many values capture cut. */
export function jsonView(value: JsonValue | undefined, testid: string): { element: HTMLElement; cuts: number } {
  const source = jsonText(value);
  const pre = h('pre', { class: 'json', testid });
  let cuts = 0;
  let from = 0;
  START.lastIndex = 0;
  for (let match = START.exec(source); match !== null; match = START.exec(source)) {
    const at = match.index;
    const mark = MARKS.find(({ pattern }) => {
      pattern.lastIndex = at;
      return pattern.test(source);
    });
    if (mark === undefined) continue;
    const end = mark.pattern.lastIndex;
    append(
      pre,
      source.slice(from, at),
      h('mark', { class: `capture-${mark.kind}`, attrs: { title: mark.title } }, source.slice(at, end)),
    );
    if (mark.kind === 'cut') cuts += 1;
    from = end;
    START.lastIndex = end;
  }
  append(pre, source.slice(from));
  return { element: pre, cuts };
}
