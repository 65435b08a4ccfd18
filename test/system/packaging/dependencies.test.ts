import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What an application installing agentspan gets, read from package.json and package-lock.json: one copy of PGlite,
 * and peer ranges that agree on the @opentelemetry/api versions we claim. Our own lock can look right while a fresh
 * install does not (a `^` range picks the newest release, whose peers may want another PGlite), so the pins are
 * checked, not only the lock.
 */
/** Version arithmetic for the ranges these packages use (`^a.b.c`, `~a.b.c`, `>=a <b`, exact, `||`): no pre-releases. */
type Triple = [number, number, number];
const parse = (version: string): Triple => version.split('.').map(Number) as Triple;
const compare = (a: Triple, b: Triple): number => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

function satisfies(version: string, range: string): boolean {
  const v = parse(version);
  return range.split('||').some((alternative) =>
    alternative
      .trim()
      .split(/\s+/)
      .every((comparator) => {
        const [, op, text] = /^(\^|~|>=|<=|>|<|=)?v?(\d+\.\d+\.\d+)$/.exec(comparator) ?? [];
        if (text === undefined) return comparator === '*' || comparator === '';
        const bound = parse(text);
        const order = compare(v, bound);
        if (op === '^') {
          const next: Triple = bound[0] > 0 ? [bound[0] + 1, 0, 0] : [0, bound[1] + 1, 0];
          return order >= 0 && compare(v, next) < 0;
        }
        if (op === '~') return order >= 0 && compare(v, [bound[0], bound[1] + 1, 0]) < 0;
        if (op === '>=') return order >= 0;
        if (op === '<=') return order <= 0;
        if (op === '>') return order > 0;
        if (op === '<') return order < 0;
        return order === 0;
      }),
  );
}

/** The lowest version a range allows: its first comparator's version, for the ranges we write ourselves. */
const minVersion = (range: string): string => /\d+\.\d+\.\d+/.exec(range)![0];

interface LockEntry {
  version: string;
  dev?: boolean;
  optional?: boolean;
  peerDependencies?: Record<string, string>;
  dependencies?: Record<string, string>;
}

const ROOT = join(__dirname, '../../..');
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
};
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, LockEntry>;
};
const installed = (name: string): LockEntry => lock.packages[`node_modules/${name}`];
/** Packages an application gets (not the ones only this repository develops with). */
const shipped = Object.entries(lock.packages).filter(([path, entry]) => path !== '' && entry.dev !== true);

const API = '@opentelemetry/api';
/** The api versions we claim: the oldest our peer range allows, and the one this repository tests with. */
const claimed = [minVersion(manifest.peerDependencies[API]), installed(API).version];

it('reads version ranges as npm does', () => {
  expect(satisfies('1.9.0', '^1.9.0')).toBe(true);
  expect(satisfies('1.10.0', '^1.9.0')).toBe(true);
  expect(satisfies('2.0.0', '^1.9.0')).toBe(false);
  expect(satisfies('1.10.0', '>=1.3.0 <1.10.0')).toBe(false);
  expect(satisfies('1.9.1', '>=1.3.0 <1.10.0')).toBe(true);
  expect(satisfies('0.5.15', '0.5.14')).toBe(false);
  expect(satisfies('0.2.18', '^0.2.17')).toBe(true);
  expect(satisfies('0.3.0', '^0.2.17')).toBe(false);
});

it('installs one copy of PGlite, and pins PGlite and its socket server to versions that agree', () => {
  const copies = Object.keys(lock.packages).filter((path) => path.endsWith('node_modules/@electric-sql/pglite'));
  expect(copies).toEqual(['node_modules/@electric-sql/pglite']);
  const pglite = manifest.dependencies['@electric-sql/pglite'];
  const socket = manifest.dependencies['@electric-sql/pglite-socket'];
  // Exact pins: a range would let a fresh install take a newer pglite-socket that wants a newer PGlite beside ours.
  expect([pglite, socket]).toEqual([
    installed('@electric-sql/pglite').version,
    installed('@electric-sql/pglite-socket').version,
  ]);
  expect(satisfies(pglite, installed('@electric-sql/pglite-socket').peerDependencies!['@electric-sql/pglite'])).toBe(
    true,
  );
});

it('pins exactly every dependency whose peers want an exact version of another of ours', () => {
  const ours = new Set(Object.keys(manifest.dependencies));
  const loose = Object.keys(manifest.dependencies).filter((name) => {
    const peers = installed(name).peerDependencies ?? {};
    const wantsExact = Object.entries(peers).some(([peer, range]) => ours.has(peer) && /^\d+\.\d+\.\d+$/.test(range));
    return wantsExact && manifest.dependencies[name] !== installed(name).version;
  });
  expect(loose).toEqual([]);
});

it(`accepts the ${API} versions we claim, in our peer range and in every shipped dependency's`, () => {
  expect(claimed.every((version) => satisfies(version, manifest.peerDependencies[API]))).toBe(true);
  const refusing = shipped
    .filter(([, entry]) => entry.peerDependencies?.[API] !== undefined)
    .flatMap(([path, entry]) =>
      claimed
        .filter((version) => !satisfies(version, entry.peerDependencies![API]))
        .map((version) => `${path}@${entry.version} (${entry.peerDependencies![API]}) refuses ${version}`),
    );
  expect(refusing).toEqual([]);
});

it(`lets an application on ${API} 1.10 install; only the OpenTelemetry packages tracing needs refuse it`, () => {
  // OpenTelemetry JS SDK 2.x (through 2.12.1 / 0.223.x) declares api <1.10; SDK 3.x wants api 1.10.x and Node 22.15+.
  // An application on 1.10 gets npm's peer warnings from these packages (one line in its package.json silences them:
  // the README, "Use it in your application"). NodeSDK would add its own and those of every exporter of every signal: startAgentTelemetry
  // registers tracing from these packages instead (setup/tracing-sdk.ts).
  expect(satisfies('1.10.0', manifest.peerDependencies[API])).toBe(true);
  const refusing = shipped
    .filter(([, entry]) => entry.peerDependencies?.[API] !== undefined)
    .filter(([, entry]) => !satisfies('1.10.0', entry.peerDependencies![API]))
    .map(([path]) => path.replace(/^.*node_modules\//, ''));
  expect(refusing.sort()).toEqual([
    '@opentelemetry/context-async-hooks',
    '@opentelemetry/core',
    '@opentelemetry/resources',
    '@opentelemetry/sdk-logs',
    '@opentelemetry/sdk-metrics',
    '@opentelemetry/sdk-trace',
    '@opentelemetry/sdk-trace-base',
  ]);
});
