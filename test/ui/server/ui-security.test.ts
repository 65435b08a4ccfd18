import { request as httpRequest } from 'node:http';
import type { UiServer } from '../../../src/ui/server/ui-server';
import { isLoopback } from '../../../src/internal/loopback';
import { checkUiServerOptions } from '../../../src/ui/server/ui-server-options';
import { createStoreFixture, type StoreFixture } from '../../support/store-fixture';
import { agentRun, seed } from '../../query/run-seeds';
import { api, serveUi } from './ui-fixture';

/**
 * Who may open the dashboard and what it sends: loopback only unless a token is set, the token on every request,
 * a tenant pin that no parameter escapes, security headers on every answer, no file outside the page's assets.
 */
let store: StoreFixture;
const servers: UiServer[] = [];
const TOKEN = 'a-token-of-sufficient-length';
let acme: string;
let globex: string;

beforeAll(async () => {
  store = await createStoreFixture();
  const acmeRun = agentRun({ agentName: 'Planner', startedAt: new Date('2026-11-03T09:00:00Z'), tenantId: 'acme' });
  const globexRun = agentRun({ agentName: 'Planner', startedAt: new Date('2026-11-03T09:01:00Z'), tenantId: 'globex' });
  await seed(store.dataSource, [acmeRun, globexRun]);
  acme = acmeRun.execution.traceId;
  globex = globexRun.execution.traceId;
});

afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
  await store?.close();
});

async function serve(options: Parameters<typeof serveUi>[1] = {}): Promise<UiServer> {
  const server = await serveUi(store.dataSource, options);
  servers.push(server);
  return server;
}

/** A GET of a path exactly as written (fetch normalizes dots away). */
function rawGet(server: UiServer, path: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: '127.0.0.1', port: server.port, path }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
    });
    request.on('error', reject);
    request.end();
  });
}

/** A GET with a Host header of our choosing (fetch sets its own). */
function getWithHost(server: UiServer, path: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: '127.0.0.1', port: server.port, path, headers: { Host: host } }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('error', reject);
    request.end();
  });
}

describe('binding', () => {
  it('binds 127.0.0.1 by default', async () => {
    const server = await serve();
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
  });

  it('refuses an address other machines reach unless a token is set, and a short token', () => {
    expect(() => checkUiServerOptions({ host: '0.0.0.0' })).toThrow(/binds to 0.0.0.0.*only with a token/);
    expect(() => checkUiServerOptions({ host: '192.168.1.4' })).toThrow(TypeError);
    expect(checkUiServerOptions({ host: '0.0.0.0', token: TOKEN })).toEqual({
      host: '0.0.0.0',
      port: 4319,
      token: TOKEN,
    });
    expect(() => checkUiServerOptions({ token: 'short' })).toThrow(/at least 16 characters/);
    expect(() => checkUiServerOptions({ port: 70_000 })).toThrow(/ui.port/);
    expect(['127.0.0.1', '127.8.0.1', '::1', '[::1]', 'localhost'].every(isLoopback)).toBe(true);
    expect(['0.0.0.0', '::', 'example.com', '10.0.0.1'].some(isLoopback)).toBe(false);
  });

  it('without a token, answers only requests addressed to a loopback name (no DNS rebinding)', async () => {
    const server = await serve();
    expect(await getWithHost(server, '/api/config', `127.0.0.1:${server.port}`)).toBe(200);
    expect(await getWithHost(server, '/api/config', `localhost:${server.port}`)).toBe(200);
    expect(await getWithHost(server, '/api/config', 'attacker.example:80')).toBe(403);
  });
});

describe('with a token', () => {
  it('requires it on every request, as a bearer header or the cookie /?token= sets', async () => {
    const server = await serve({ token: TOKEN });
    expect((await api(server, '/api/runs')).status).toBe(401);
    expect((await api(server, '/')).status).toBe(401);
    expect(
      (await api(server, '/api/runs', { headers: { Authorization: 'Bearer wrong-token-of-some-length' } })).status,
    ).toBe(401);
    expect((await api(server, '/api/runs', { headers: { Authorization: `Bearer ${TOKEN}` } })).status).toBe(200);

    const opened = await api(server, `/?token=${TOKEN}&agent=Planner`);
    expect(opened.status).toBe(303);
    expect(opened.headers.get('location')).toBe('/?agent=Planner');
    const cookie = opened.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const withCookie = await api(server, '/api/runs', { headers: { Cookie: cookie.split(';')[0]! } });
    expect(withCookie.status).toBe(200);
    expect((await api(server, '/?token=wrong-token-of-some-length')).status).toBe(401);
    // The token is never echoed back.
    expect(JSON.stringify((await api(server, '/api/runs')).body)).not.toContain(TOKEN);
  });
});

describe('tenant pinning', () => {
  it('shows one tenant only, whatever the parameters ask', async () => {
    const server = await serve({ tenant: 'acme' });
    expect((await api(server, '/api/config')).body.tenant).toBe('acme');
    const runs = await api(server, '/api/runs');
    expect(runs.body.runs.map((run: { traceId: string }) => run.traceId)).toEqual([acme]);
    expect((await api(server, '/api/runs?tenantId=globex')).status).toBe(400);
    expect((await api(server, `/api/runs/${globex}`)).status).toBe(404);
    expect((await api(server, `/api/runs/${acme}`)).status).toBe(200);
    const stats = await api(server, '/api/stats');
    expect(stats.body.groups.map((group: { count: number }) => group.count)).toEqual([1]);
    // Health counts the tenant's runs, not the store's: the totals would tell it how much the others run.
    const health = await api(server, '/api/health');
    expect(health.body.database).toMatchObject({ reachable: true, runs: 1 });
    expect(health.body.database).not.toHaveProperty('executions');
    expect(health.body.process).toBeNull();
    const unpinned = await api(await serve(), '/api/health');
    expect(unpinned.body.database).toMatchObject({ reachable: true, runs: 2 });
  });
});

describe('answers', () => {
  it('carry a Content-Security-Policy without inline script, nosniff and no caching', async () => {
    const server = await serve();
    for (const path of ['/', '/runs/abc', '/api/config', '/api/runs?limit=0']) {
      const { headers } = await api(server, path);
      expect(headers.get('content-security-policy')).toMatch(/script-src 'self'(;|$)/);
      expect(headers.get('content-security-policy')).not.toMatch(/unsafe-inline|unsafe-eval/);
      expect(headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
      expect(headers.get('x-content-type-options')).toBe('nosniff');
      expect(headers.get('cache-control')).toBe('no-store');
    }
  });

  it('serve no file outside the page’s assets', async () => {
    const server = await serve();
    // Sent as written (fetch would resolve the dots itself). The URL parser resolves `..` and `%2e%2e` segments (the
    // path is then /package.json: the page); an encoded slash stays in the asset name, which must not climb out.
    for (const path of ['/assets/../../package.json', '/assets/%2e%2e/%2e%2e/package.json']) {
      expect((await rawGet(server, path)).text).toContain('<!doctype html>');
    }
    for (const path of [
      '/assets/..%2f..%2fpackage.json',
      '/assets/..%2F..%2F..%2Fpackage.json',
      '/assets/%2e%2e%5cpackage.json',
    ]) {
      const { status, text } = await rawGet(server, path);
      expect(status).toBe(404);
      expect(text).not.toContain('"name": "agentspan"');
    }
  });

  it('refuse a write from another origin', async () => {
    const server = await serve();
    const response = await api(server, '/api/decisions/00000000-0000-0000-0000-000000000000/outcome', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: 'https://attacker.example' },
      body: JSON.stringify({ outcome: 'x' }),
    });
    expect(response.status).toBe(403);
  });
});
