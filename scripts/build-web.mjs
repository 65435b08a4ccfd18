// Builds the dashboard's browser files with esbuild's JS API: web/main.ts bundled (uPlot included) and minified into
// assets/app.js, web/styles.css and uPlot's stylesheet into assets/app.css, and web/index.html, which loads them
// (no inline script or style: the server's CSP allows neither).
//
//   node scripts/build-web.mjs                  into dist/web
//   node scripts/build-web.mjs --out <dir>      into another directory
//   node scripts/build-web.mjs --if-missing     nothing when <out>/index.html is newer than every file in web/
//
// Exit code 0 built (or up to date), 1 the build failed, 2 a bad argument; the message says which.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const web = join(root, 'web');

function fail(message, code = 1) {
  console.error(`build-web: ${message}`);
  process.exit(code);
}

function parseArguments(argv) {
  const options = { out: join(root, 'dist', 'web'), ifMissing: false };
  for (let i = 0; i < argv.length; i += 1) {
    const argument = argv[i];
    if (argument === '--if-missing') options.ifMissing = true;
    else if (argument === '--out') {
      const value = argv[(i += 1)];
      if (value === undefined || value.startsWith('--')) fail('--out needs a directory', 2);
      options.out = resolve(value);
    } else if (argument.startsWith('--out=')) options.out = resolve(argument.slice('--out='.length));
    else fail(`unknown argument ${argument} (expected --out <dir>, --if-missing)`, 2);
  }
  return options;
}

/** The newest modification time among the files under dir. */
function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

function upToDate(out) {
  const index = join(out, 'index.html');
  return existsSync(index) && statSync(index).mtimeMs > newest(web);
}

async function build(out) {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch (error) {
    fail(`esbuild is not installed (run npm ci): ${error.message}`);
  }
  const assets = join(out, 'assets');
  mkdirSync(assets, { recursive: true });
  const common = {
    bundle: true,
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
    absWorkingDir: root,
    // Anything not in the bundle would be a request the CSP refuses: no external modules, no remote imports.
    external: [],
  };
  await esbuild.build({
    ...common,
    entryPoints: [join(web, 'main.ts')],
    outfile: join(assets, 'app.js'),
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    tsconfig: join(root, 'tsconfig.web.json'),
  });
  await esbuild.build({
    ...common,
    stdin: {
      contents: '@import "uplot/dist/uPlot.min.css";\n@import "./web/styles.css";\n',
      resolveDir: root,
      sourcefile: 'app.css',
      loader: 'css',
    },
    outfile: join(assets, 'app.css'),
    target: ['chrome100', 'firefox100', 'safari15'],
  });
  const html = readFileSync(join(web, 'index.html'), 'utf8');
  for (const asset of ['/assets/app.js', '/assets/app.css']) {
    if (!html.includes(asset)) fail(`web/index.html does not reference ${asset}`);
  }
  // Last: an index.html newer than web/ says the whole build is there (--if-missing).
  copyFileSync(join(web, 'index.html'), join(out, 'index.html'));
}

const options = parseArguments(process.argv.slice(2));
if (options.ifMissing && upToDate(options.out)) process.exit(0);
try {
  await build(options.out);
} catch (error) {
  const details = Array.isArray(error.errors)
    ? error.errors.map((e) => `${e.location ? `${e.location.file}:${e.location.line}: ` : ''}${e.text}`).join('\n')
    : error.message;
  fail(`the dashboard could not be built:\n${details}`);
}
const sizes = ['assets/app.js', 'assets/app.css'].map((file) => `${file} ${statSync(join(options.out, file)).size} B`);
console.error(`build-web: built ${options.out} (${sizes.join(', ')})`);
