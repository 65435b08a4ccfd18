import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

/**
 * The dashboard's build (scripts/build-web.mjs): a bundle small enough to load fast, that asks nothing of any other
 * host, runs no string as code, and whose page has no inline script or style (the server's CSP refuses both).
 */
const ROOT = resolve(__dirname, '../..');
const SCRIPT = join(ROOT, 'scripts', 'build-web.mjs');
const MAX_GZIPPED_BYTES = 300_000;

let out: string;

function build(...args: string[]): string {
  return execFileSync(process.execPath, [SCRIPT, ...args], { cwd: ROOT, encoding: 'utf8', stdio: 'pipe' });
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

const asset = (name: string) => readFileSync(join(out, 'assets', name), 'utf8');

beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), 'agentspan-web-'));
  build('--out', out);
}, 120_000);

afterAll(() => rmSync(out, { recursive: true, force: true }));

it('builds index.html, app.js and app.css', () => {
  for (const file of ['index.html', 'assets/app.js', 'assets/app.css']) expect(existsSync(join(out, file))).toBe(true);
  // uPlot's stylesheet is in the bundle, as are the page's own styles.
  expect(asset('app.css')).toContain('.uplot');
  expect(asset('app.css')).toContain('.step-row');
});

it('is at most 300 kB gzipped, JavaScript and CSS together', () => {
  const sizes = ['app.js', 'app.css'].map((name) => gzipSync(readFileSync(join(out, 'assets', name))).length);
  const total = sizes.reduce((sum, size) => sum + size, 0);
  console.log(`dashboard bundle gzipped: app.js ${sizes[0]} B + app.css ${sizes[1]} B = ${total} B`);
  expect(total).toBeLessThanOrEqual(MAX_GZIPPED_BYTES);
});

it('names no other host and turns no string into code', () => {
  for (const name of ['app.js', 'app.css']) {
    const text = asset(name);
    expect(text.match(/https?:\/\/[^\s"'`)]*/g) ?? []).toEqual([]);
    expect(text.match(/\/\/[a-z0-9.-]+\.(?:com|org|net|io|dev)\b/gi) ?? []).toEqual([]);
    expect(text).not.toMatch(/\beval\s*\(/);
    expect(text).not.toMatch(/\bnew\s+Function\s*\(/);
    expect(text).not.toMatch(/@import|url\(\s*['"]?(?!data:)/);
  }
});

it('index.html loads the bundle from /assets, with no inline script, style or handler', () => {
  const html = readFileSync(join(out, 'index.html'), 'utf8');
  expect(html).toMatch(/<script src="\/assets\/app\.js"[^>]*><\/script>/);
  expect(html).toMatch(/<link rel="stylesheet" href="\/assets\/app\.css"/);
  for (const script of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
    expect(script[1]).toMatch(/\ssrc="\/assets\//);
    expect(script[2]!.trim()).toBe('');
  }
  expect(html).not.toMatch(/\sstyle\s*=/i);
  expect(html).not.toMatch(/<style\b/i);
  expect(html).not.toMatch(/\son[a-z]+\s*=/i);
  expect(html).not.toMatch(/https?:\/\//);
});

it('the page sources never parse data as HTML', () => {
  const offenders = sourceFiles(join(ROOT, 'web'))
    .filter((file) => file.endsWith('.ts'))
    .filter((file) =>
      /\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write|\beval\s*\(|new\s+Function\b/.test(
        readFileSync(file, 'utf8'),
      ),
    );
  expect(offenders).toEqual([]);
});

it('--if-missing leaves a build newer than web/ alone, and builds where there is none', () => {
  const before = statSync(join(out, 'index.html')).mtimeMs;
  build('--if-missing', '--out', out);
  expect(statSync(join(out, 'index.html')).mtimeMs).toBe(before);

  const empty = mkdtempSync(join(tmpdir(), 'agentspan-web-'));
  try {
    build('--if-missing', '--out', empty);
    expect(existsSync(join(empty, 'index.html'))).toBe(true);
    expect(existsSync(join(empty, 'assets', 'app.js'))).toBe(true);
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
}, 120_000);

it('refuses an unknown argument with exit code 2, naming it', () => {
  const result = spawnSync(process.execPath, [SCRIPT, '--minify-harder'], { cwd: ROOT, encoding: 'utf8' });
  expect(result.status).toBe(2);
  expect(result.stderr).toContain('--minify-harder');
});
