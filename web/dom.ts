/**
 * Building DOM from data, safely: elements from createElement, text from textContent. Nothing here parses HTML, so a
 * stored `<img src=x onerror=…>` or `</script>` is shown as the characters it is.
 */

export type Child = Node | string | number | null | undefined | false;

export interface Props {
  /** Class names, space-separated. */
  class?: string;
  /** data-testid */
  testid?: string;
  /** Text content (set before the children). */
  text?: string;
  /** Attributes: names are the caller's (never data), values are set with setAttribute, which does not parse. */
  attrs?: Record<string, string | number | boolean | null | undefined>;
  /** data-* attributes, by their name without the prefix. */
  data?: Record<string, string | number | null | undefined>;
  on?: { [K in keyof HTMLElementEventMap]?: (event: HTMLElementEventMap[K]) => void };
}

/** Attribute names that could run code or restyle the page from data; h() refuses them. */
const FORBIDDEN = /^(on|style$|srcdoc$)/i;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (props !== null) {
    if (props.class !== undefined) element.className = props.class;
    if (props.testid !== undefined) element.dataset.testid = props.testid;
    if (props.text !== undefined) element.textContent = props.text;
    for (const [name, value] of Object.entries(props.attrs ?? {})) {
      if (FORBIDDEN.test(name)) throw new Error(`h(): attribute ${name} is not allowed`);
      if (value === null || value === undefined || value === false) continue;
      element.setAttribute(name, value === true ? '' : String(value));
    }
    for (const [name, value] of Object.entries(props.data ?? {})) {
      if (value !== null && value !== undefined) element.dataset[name] = String(value);
    }
    for (const [type, listener] of Object.entries(props.on ?? {})) {
      element.addEventListener(type, listener as EventListener);
    }
  }
  append(element, ...children);
  return element;
}

/** Appends children: strings and numbers as text nodes. */
export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' || typeof child === 'number' ? text(String(child)) : child);
  }
}

export function text(value: string): Text {
  return document.createTextNode(value);
}

/** Replaces every child of parent. */
export function replace(parent: Node, ...children: Child[]): void {
  while (parent.firstChild !== null) parent.removeChild(parent.firstChild);
  append(parent, ...children);
}

/** An in-page link the router follows without reloading. */
export function link(href: string, label: Child, props: Props = {}): HTMLAnchorElement {
  return h('a', { ...props, attrs: { ...props.attrs, href } }, label);
}

/** A visible error message (data-testid="error"). */
export function errorBox(message: string): HTMLElement {
  return h('div', { class: 'error', testid: 'error', attrs: { role: 'alert' } }, message);
}

/** A label above a form control. */
export function field(label: string, control: HTMLElement): HTMLElement {
  return h('label', { class: 'field' }, h('span', { class: 'field-label' }, label), control);
}

export function input(testid: string, name: string, value: string, placeholder = ''): HTMLInputElement {
  return h('input', { testid, attrs: { name, value, placeholder, type: 'text', autocomplete: 'off' } });
}

/** A select; options as [value, label]; a value not among them is added, so what the URL said stays chosen. */
export function select(testid: string, name: string, options: Array<[string, string]>, value: string) {
  const all = options.some(([option]) => option === value) ? options : [...options, [value, value] as const];
  const element = h(
    'select',
    { testid, attrs: { name } },
    ...all.map(([option, label]) => h('option', { attrs: { value: option } }, label)),
  );
  element.value = value;
  return element;
}

/** A table: header labels and rows of cells. */
export function table(testid: string, headers: string[], rows: Child[][], rowTestid?: string): HTMLTableElement {
  return h(
    'table',
    { class: 'grid', testid },
    h('thead', null, h('tr', null, ...headers.map((label) => h('th', null, label)))),
    h(
      'tbody',
      null,
      ...rows.map((cells) => h('tr', { testid: rowTestid }, ...cells.map((cell) => h('td', null, cell)))),
    ),
  );
}

/** A heading and its content, as a page section. */
export function section(title: string, ...children: Child[]): HTMLElement {
  return h('section', { class: 'panel' }, h('h2', null, title), ...children);
}

/** A definition list of label/value pairs; values that are null are left out. */
export function facts(pairs: Array<[string, Child]>): HTMLElement {
  const list = h('dl', { class: 'facts' });
  for (const [label, value] of pairs) {
    if (value === null || value === undefined || value === '') continue;
    append(list, h('dt', null, label), h('dd', null, value));
  }
  return list;
}
