/**
 * The run's steps: on each row the tree (indented, kind, name, status, duration) and the step's waterfall bar, placed
 * by its start and end within the run. Virtualized — only the rows in view exist, recycled as the list scrolls — so a
 * run of 10,000 steps draws as fast as one of ten; one delegated listener serves every row. Bars are placed with
 * element.style (CSSOM), which the page's CSP allows.
 */
import { h } from '../dom';
import { duration } from '../format';
import { stepDuration, type StepRow } from './run-model';

const ROW_HEIGHT = 26;
const OVERSCAN = 20;
const INDENT = 14;
const TICKS = 5;

export const KIND_ICON: Record<string, string> = {
  agent: '◆',
  task: '▣',
  tool: '⚙',
  llm: '✦',
  decision: '◇',
  other: '•',
};

interface Slot {
  row: HTMLElement;
  cell: HTMLElement;
  toggle: HTMLElement;
  kind: HTMLElement;
  name: HTMLElement;
  status: HTMLElement;
  time: HTMLElement;
  bar: HTMLElement;
}

export class StepList {
  readonly element: HTMLElement;
  private readonly scroller: HTMLElement;
  private readonly canvas: HTMLElement;
  private readonly axis: HTMLElement[] = [];
  private readonly slots: Slot[] = [];
  private rows: StepRow[] = [];
  private span = { start: 0, end: 1 };
  private selected: string | null = null;
  private collapsed: ReadonlySet<string> = new Set();
  private frame = 0;

  constructor(
    private readonly onSelect: (spanId: string) => void,
    private readonly onToggle: (spanId: string) => void,
  ) {
    for (let i = 0; i < TICKS; i += 1) this.axis.push(h('span', { class: 'tick' }));
    this.canvas = h('div', { class: 'steps-canvas' });
    this.scroller = h('div', { class: 'steps-scroll', testid: 'steps', attrs: { tabindex: 0 } }, this.canvas);
    this.element = h(
      'div',
      { class: 'steps' },
      h(
        'div',
        { class: 'steps-head' },
        h('div', { class: 'tree-head' }, 'step'),
        h('div', { class: 'axis' }, ...this.axis),
      ),
      this.scroller,
    );
    this.scroller.addEventListener('scroll', () => this.schedule());
    this.scroller.addEventListener('click', (event) => {
      const target = event.target as Element;
      const row = target.closest<HTMLElement>('[data-span-id]')?.closest<HTMLElement>('.step-row');
      const spanId = row?.dataset.spanId;
      if (spanId === undefined) return;
      if (target.closest('.toggle.has-children') !== null) this.onToggle(spanId);
      else this.onSelect(spanId);
    });
    this.scroller.addEventListener('keydown', (event) => this.key(event));
  }

  /** The rows to show, the run's time span and the view state; draws the rows in view. */
  set(rows: StepRow[], span: { start: number; end: number }, selected: string | null, collapsed: ReadonlySet<string>) {
    this.rows = rows;
    this.span = span;
    this.selected = selected;
    this.collapsed = collapsed;
    this.canvas.style.height = `${rows.length * ROW_HEIGHT}px`;
    this.draw();
  }

  /** Scrolls so the step is in view. */
  reveal(spanId: string): void {
    const index = this.rows.findIndex((row) => row.spanId === spanId);
    if (index < 0) return;
    const top = index * ROW_HEIGHT;
    const { scrollTop, clientHeight } = this.scroller;
    if (top < scrollTop) this.scroller.scrollTop = top;
    else if (top + ROW_HEIGHT > scrollTop + clientHeight) this.scroller.scrollTop = top + ROW_HEIGHT - clientHeight;
  }

  private schedule(): void {
    if (this.frame !== 0) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  /** Draws the rows in view (with the run's new span, while it grows); reads the scroll position once, then writes. */
  draw(now = Date.now(), span = this.span): void {
    this.span = span;
    const { scrollTop, clientHeight } = this.scroller;
    const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(this.rows.length, Math.ceil((scrollTop + (clientHeight || 600)) / ROW_HEIGHT) + OVERSCAN);
    const total = this.span.end - this.span.start;
    for (let i = 0; i < TICKS; i += 1) this.axis[i]!.textContent = duration((total * i) / (TICKS - 1));
    while (this.slots.length < last - first) this.slots.push(this.slot());
    for (let s = 0; s < this.slots.length; s += 1) {
      const slot = this.slots[s]!;
      const index = first + s;
      if (index >= last) {
        slot.row.hidden = true;
        continue;
      }
      slot.row.hidden = false;
      this.fill(slot, this.rows[index]!, index, now, total);
    }
  }

  private slot(): Slot {
    const slot: Slot = {
      row: h('div', { class: 'step-row', testid: 'tree-row' }),
      cell: h('div', { class: 'tree-cell' }),
      toggle: h('span', { class: 'toggle' }),
      kind: h('span', { class: 'kind' }),
      name: h('span', { class: 'name' }),
      status: h('span', { class: 'badge' }),
      time: h('span', { class: 'time' }),
      bar: h('div', { class: 'bar', testid: 'waterfall-bar' }),
    };
    slot.cell.append(slot.toggle, slot.kind, slot.name, slot.status, slot.time);
    slot.row.append(slot.cell, h('div', { class: 'bar-cell' }, slot.bar));
    this.canvas.appendChild(slot.row);
    return slot;
  }

  private fill(slot: Slot, row: StepRow, index: number, now: number, total: number): void {
    const { execution } = row.node;
    const { kind, status } = execution;
    const end = row.end ?? now;
    slot.row.className = `step-row k-${kind} s-${status}${row.spanId === this.selected ? ' selected' : ''}`;
    slot.row.dataset.spanId = row.spanId;
    slot.row.style.transform = `translateY(${index * ROW_HEIGHT}px)`;
    slot.cell.style.paddingLeft = `${row.depth * INDENT + 4}px`;
    const hasChildren = row.descendants > 0;
    slot.toggle.className = hasChildren ? 'toggle has-children' : 'toggle';
    slot.toggle.textContent = hasChildren ? (this.collapsed.has(row.spanId) ? '▸' : '▾') : '';
    slot.kind.textContent = `${KIND_ICON[kind] ?? '•'} ${kind}`;
    slot.name.textContent = execution.name;
    slot.name.title = execution.name;
    slot.status.className = `badge s-${status}`;
    slot.status.textContent = status;
    slot.time.textContent = duration(stepDuration(row, now));
    slot.bar.dataset.spanId = row.spanId;
    slot.bar.className = `bar k-${kind} s-${status}`;
    slot.bar.style.left = `${((row.start - this.span.start) / total) * 100}%`;
    slot.bar.style.width = `${Math.max(((end - row.start) / total) * 100, 0.15)}%`;
    slot.bar.title = `${execution.name}: ${slot.time.textContent}`;
  }

  /** Up and down move the selection, left and right fold and unfold. */
  private key(event: KeyboardEvent): void {
    const index = this.rows.findIndex((row) => row.spanId === this.selected);
    const move = (to: number) => {
      const row = this.rows[Math.max(0, Math.min(this.rows.length - 1, to))];
      if (row === undefined) return;
      event.preventDefault();
      this.onSelect(row.spanId);
      this.reveal(row.spanId);
    };
    if (event.key === 'ArrowDown') move(index + 1);
    else if (event.key === 'ArrowUp') move(index < 0 ? 0 : index - 1);
    else if ((event.key === 'ArrowLeft' || event.key === 'ArrowRight') && this.selected !== null) {
      const row = this.rows[index];
      const folded = this.collapsed.has(this.selected);
      if (row !== undefined && row.descendants > 0 && folded === (event.key === 'ArrowRight')) {
        event.preventDefault();
        this.onToggle(this.selected);
      }
    }
  }
}
