/**
 * The dashboard's entry: the top navigation and a router over plain paths (History API). Each route is a page
 * function that owns the main element until the next navigation, which aborts its requests and runs its cleanups.
 */
import { describe, getJson } from './api';
import { errorBox, h, link, replace } from './dom';
import type { Page, PageContext } from './page';
import { analyticsPage } from './pages/analytics';
import { decisionsPage } from './pages/decisions';
import { healthPage } from './pages/health';
import { runPage } from './pages/run';
import { runsPage } from './pages/runs';
import { sessionsPage } from './pages/sessions';
import type { Config } from './types';

const ROUTES: Array<[RegExp, Page, string]> = [
  [/^\/$/, runsPage, '/'],
  [/^\/runs\/([^/]+)\/?$/, runPage, '/'],
  [/^\/sessions\/?$/, sessionsPage, '/sessions'],
  [/^\/analytics\/?$/, analyticsPage, '/analytics'],
  [/^\/decisions\/?$/, decisionsPage, '/decisions'],
  [/^\/health\/?$/, healthPage, '/health'],
];

const NAV: Array<[string, string]> = [
  ['/', 'Runs'],
  ['/sessions', 'Sessions'],
  ['/analytics', 'Analytics'],
  ['/decisions', 'Decisions'],
  ['/health', 'Health'],
];

let config: Config = { version: '', tenant: null, live: false };
let leave: (() => void) | null = null;
const main = h('main', { attrs: { id: 'main' } });
const navLinks = NAV.map(([href, label]) =>
  link(href, label, { data: { nav: href }, testid: `nav-${label.toLowerCase()}` }),
);
const about = h('span', { class: 'about muted', testid: 'about' });

function navigate(path: string, replaceEntry = false): void {
  if (replaceEntry) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  route();
}

function route(): void {
  leave?.();
  const cleanups: Array<() => void> = [];
  const controller = new AbortController();
  leave = () => {
    controller.abort();
    for (const cleanup of cleanups.splice(0)) cleanup();
  };
  const { pathname, search } = window.location;
  const match = ROUTES.map(([pattern, page, nav]) => ({ found: pattern.exec(pathname), page, nav })).find(
    ({ found }) => found !== null,
  );
  for (const anchor of navLinks) anchor.classList.toggle('active', anchor.dataset.nav === match?.nav);
  replace(main);
  if (match === undefined) {
    replace(main, h('h1', null, 'Not found'), errorBox(`no page at ${pathname}`));
    return;
  }
  const context: PageContext = {
    root: main,
    params: match.found!.slice(1).map((segment) => decodeURIComponent(segment)),
    query: new URLSearchParams(search),
    config,
    signal: controller.signal,
    navigate,
    onLeave: (fn) => cleanups.push(fn),
  };
  try {
    match.page(context);
  } catch (error) {
    replace(main, errorBox(describe(error)));
  }
}

/** In-page links are followed by the router; others (new tab, /api, another origin) by the browser. */
document.addEventListener('click', (event) => {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey)
    return;
  const anchor = (event.target as Element).closest?.('a');
  if (anchor === null || anchor === undefined || anchor.target !== '' || anchor.hasAttribute('download')) return;
  const url = new URL(anchor.href, window.location.href);
  if (url.origin !== window.location.origin || url.pathname.startsWith('/api/')) return;
  event.preventDefault();
  navigate(url.pathname + url.search);
});
window.addEventListener('popstate', route);

async function start(): Promise<void> {
  const banner = h('div');
  document.body.append(
    h('header', { class: 'top' }, h('span', { class: 'brand' }, 'agentspan'), h('nav', null, ...navLinks), about),
    banner,
    main,
  );
  try {
    config = await getJson<Config>('/api/config');
    about.textContent = [
      config.version === '' ? '' : `v${config.version}`,
      config.tenant === null ? '' : `tenant ${config.tenant}`,
    ]
      .filter(Boolean)
      .join(' · ');
  } catch (error) {
    replace(banner, errorBox(`configuration: ${describe(error)}`));
  }
  route();
}

void start();
