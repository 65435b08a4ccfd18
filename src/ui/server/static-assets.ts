import { createReadStream, existsSync, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { dirname, extname, join, normalize, sep } from 'node:path';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json; charset=utf-8',
};

/**
 * The built page (dist/web: `npm run build`, or `npm run build:web`), served from the package itself: nothing comes
 * from anywhere else. Paths under /assets/ are files; every other path is the page (it routes in the browser).
 */
export class StaticAssets {
  private constructor(readonly directory: string) {}

  /** The dist/web of the agentspan package this file belongs to; an Error naming the build step when it is missing. */
  static locate(): StaticAssets {
    for (let dir = __dirname; ; dir = dirname(dir)) {
      const candidate = join(dir, 'dist', 'web');
      if (existsSync(join(dir, 'package.json')) && existsSync(join(candidate, 'index.html'))) {
        return new StaticAssets(candidate);
      }
      if (dirname(dir) === dir) break;
    }
    throw new Error('agentspan: the dashboard is not built (dist/web/index.html): run `npm run build:web`');
  }

  /** Sends the file for a path (404 for an asset that does not exist). */
  send(pathname: string, response: ServerResponse): void {
    const file = pathname.startsWith('/assets/') ? this.#assetFile(pathname) : join(this.directory, 'index.html');
    if (file === undefined || !existsSync(file) || !statSync(file).isFile()) {
      response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      response.end('not found');
      return;
    }
    response.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(response);
  }

  /** The file of an /assets/ path, never outside dist/web/assets (`..` and encoded tricks end as undefined). */
  #assetFile(pathname: string): string | undefined {
    let relative: string;
    try {
      relative = decodeURIComponent(pathname.slice('/assets/'.length));
    } catch {
      return undefined;
    }
    const root = join(this.directory, 'assets');
    const file = normalize(join(root, relative));
    return file.startsWith(root + sep) && !relative.includes('\0') ? file : undefined;
  }
}
