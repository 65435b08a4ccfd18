/** What the router hands a page, and the helpers every page uses to load data and show failures. */
import { describe, isAbort } from './api';
import { errorBox, h, replace } from './dom';
import type { Config } from './types';

export interface PageContext {
  /** The page's element: the page owns its children until it is left. */
  root: HTMLElement;
  /** The route's captured path segments (decoded). */
  params: string[];
  query: URLSearchParams;
  config: Config;
  /** Aborted when the page is left: pass it to every fetch. */
  signal: AbortSignal;
  /** Goes to an in-page path (History API); replace: without a new history entry. */
  navigate(path: string, replace?: boolean): void;
  /** Runs fn when the page is left (timers, streams). */
  onLeave(fn: () => void): void;
}

export type Page = (context: PageContext) => void;

/** Calls fn every ms until the page is left. */
export function every(context: PageContext, ms: number, fn: () => void): void {
  const timer = window.setInterval(fn, ms);
  context.onLeave(() => window.clearInterval(timer));
}

/**
 * Shows "loading" in target, awaits the data, then renders it there; a failure replaces it with the error message
 * (never swallowed), leaving the page quietly when the page was left meanwhile.
 */
export async function load<T>(
  context: PageContext,
  target: HTMLElement,
  fetching: Promise<T>,
  render: (data: T) => void,
): Promise<void> {
  replace(target, h('p', { class: 'muted', testid: 'loading' }, 'loading…'));
  let data: T;
  try {
    data = await fetching;
  } catch (error) {
    if (isAbort(error) || context.signal.aborted) return;
    replace(target, errorBox(describe(error)));
    return;
  }
  if (context.signal.aborted) return;
  replace(target);
  render(data);
}

/** Reports an error in target (data-testid="error") unless the page was left. */
export function showError(context: PageContext, target: HTMLElement, error: unknown): void {
  if (isAbort(error) || context.signal.aborted) return;
  replace(target, errorBox(describe(error)));
}

/** The query string of a path: '' or '?a=b'. */
export function withQuery(path: string, query: URLSearchParams): string {
  const search = query.toString();
  return search === '' ? path : `${path}?${search}`;
}
