import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * What the proxy does to the traffic between the clients and the database, switchable at any moment.
 *
 * - `pass`   forwards both ways (and releases whatever `stall` or `hang` held back, in order).
 * - `cut`    closes every open connection and refuses new ones (nothing listens on the port).
 * - `stall`  accepts connections but forwards nothing either way: connecting never completes, requests never arrive.
 * - `slow`   forwards requests at once and delays every reply chunk by `slowMs` (order kept).
 * - `reset`  forwards each connection's next request; when the server answers, resets the connection (RST) instead
 *            of forwarding the answer. New connections are reset the same way after their start-up message.
 * - `hang`   forwards requests, holds every reply: the server did the work, the client never hears back.
 */
export type FaultMode = 'pass' | 'cut' | 'stall' | 'slow' | 'reset' | 'hang';

export interface FaultProxyOptions {
  mode?: FaultMode;
  /** Delay of each reply chunk in `slow` mode. Default 2,000 ms. */
  slowMs?: number;
  /** The proxy closes itself after this long, whatever the test does. Default 10 minutes. */
  maxLifetimeMs?: number;
}

export interface FaultProxyStats {
  /** Connections accepted. */
  accepted: number;
  /** Connections open now. */
  open: number;
  /** Connections reset by `reset` mode, resetNextReply() or resetAll(). */
  resets: number;
}

/** Test-only: a loopback target is the only kind a fault proxy may forward to. */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** One client connection and its upstream twin, with what a fault holds back. */
class Link {
  upstream: Socket | undefined;
  /** Client → server chunks not forwarded yet (stall, or before the upstream exists). */
  readonly heldRequests: Buffer[] = [];
  /** Server → client chunks not delivered yet (stall, hang). */
  readonly heldReplies: Buffer[] = [];
  /** A request was forwarded and its reply is to be answered with this fault. */
  pendingFault: 'reset' | 'hang' | undefined;
  /** hangNextReply() struck: this connection gets no reply again, whatever the mode. */
  hung = false;
  /** When the last delayed reply chunk of this link is due, so `slow` keeps them in order. */
  lastDeliveryAt = 0;

  constructor(readonly client: Socket) {}
}

interface Trigger {
  readonly fault: 'reset' | 'hang';
  readonly matches: (request: Buffer) => boolean;
  readonly struck: () => void;
}

/**
 * A TCP proxy on 127.0.0.1 between a test's pg pool and the real database, to cut, stall, slow, reset and hang
 * connections without touching the server. Loopback only, bounded in time (it closes itself after `maxLifetimeMs`),
 * and it never keeps a process alive on its own: its server, sockets and timers are all unref'd.
 */
export class FaultProxy {
  private server: Server | undefined;
  private readonly links = new Set<Link>();
  private modeNow: FaultMode = 'pass';
  private slowMs: number;
  private readonly lifetime: NodeJS.Timeout;
  private readonly triggers: Trigger[] = [];
  /** Who waits for a one-shot fault armed on a link to strike. */
  private readonly struck = new Map<Link, () => void>();
  private closed = false;
  private accepted = 0;
  private resets = 0;

  private constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
    options: FaultProxyOptions,
  ) {
    this.slowMs = options.slowMs ?? 2_000;
    this.lifetime = setTimeout(() => void this.close(), options.maxLifetimeMs ?? 10 * 60_000);
    this.lifetime.unref();
  }

  /** A proxy on a free loopback port in front of `target` (a loopback host), in `mode` (default `pass`). */
  static async start(target: { host: string; port: number }, options: FaultProxyOptions = {}): Promise<FaultProxy> {
    if (!LOOPBACK_HOSTS.has(target.host)) {
      throw new Error(`FaultProxy forwards to loopback addresses only, not ${target.host}`);
    }
    const proxy = new FaultProxy(await freePort(), target, options);
    await proxy.setMode(options.mode ?? 'pass', options);
    return proxy;
  }

  /** A proxy in front of the database of this URL; see urlFor() for the URL that goes through it. */
  static forUrl(databaseUrl: string, options: FaultProxyOptions = {}): Promise<FaultProxy> {
    return FaultProxy.start(targetOf(databaseUrl), options);
  }

  get mode(): FaultMode {
    return this.modeNow;
  }

  stats(): FaultProxyStats {
    return { accepted: this.accepted, open: this.links.size, resets: this.resets };
  }

  /** Switches mode; resolves once the proxy listens (or stopped listening, for `cut`). */
  async setMode(mode: FaultMode, options: { slowMs?: number } = {}): Promise<void> {
    if (this.closed) throw new Error('FaultProxy is closed');
    this.modeNow = mode;
    if (options.slowMs !== undefined) this.slowMs = options.slowMs;
    if (mode === 'cut') {
      for (const link of [...this.links]) this.drop(link);
      await this.stopListening();
      return;
    }
    await this.listen();
    for (const link of this.links) this.forwardHeld(link);
  }

  /**
   * Arms a one-shot reset: the next request that `matches` (any request by default) is forwarded, and when the server
   * answers it the connection is reset instead. Resolves once it happened. For "after the statement was sent, before
   * the reply": the server has done the work (committed, even) and the client only learns that the connection broke.
   */
  resetNextReply(matches: (request: Buffer) => boolean = () => true): Promise<void> {
    return new Promise<void>((resolve) => this.triggers.push({ fault: 'reset', matches, struck: resolve }));
  }

  /**
   * Arms a one-shot hang: the next request that `matches` is forwarded, and from its reply on that connection never
   * hears from the server again (the other connections carry on). Resolves when the reply was withheld.
   */
  hangNextReply(matches: (request: Buffer) => boolean = () => true): Promise<void> {
    return new Promise<void>((resolve) => this.triggers.push({ fault: 'hang', matches, struck: resolve }));
  }

  /** Resets every open connection now (RST), whatever it is doing: idle pooled connections dying under the pool. */
  resetAll(): void {
    for (const link of [...this.links]) this.reset(link);
  }

  /** Stops listening, cuts every connection and clears its timers. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.lifetime);
    for (const link of [...this.links]) this.drop(link);
    await this.stopListening();
  }

  /** The database URL with its host and port replaced by this proxy's. */
  urlFor(databaseUrl: string): string {
    const url = new URL(databaseUrl);
    url.hostname = '127.0.0.1';
    url.port = String(this.port);
    return url.toString();
  }

  private async listen(): Promise<void> {
    if (this.server !== undefined) return;
    const server = createServer((client) => this.accept(client));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.unref();
  }

  private async stopListening(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    this.accepted++;
    const link = new Link(client);
    this.links.add(link);
    client.unref();
    client.on('error', () => this.drop(link));
    client.on('close', () => this.drop(link));
    client.on('data', (chunk: Buffer) => this.onRequest(link, chunk));
    if (this.modeNow !== 'stall') this.openUpstream(link);
  }

  private openUpstream(link: Link): void {
    if (link.upstream !== undefined || !this.links.has(link)) return;
    const upstream = connect(this.target.port, this.target.host);
    link.upstream = upstream;
    upstream.unref();
    upstream.on('data', (chunk: Buffer) => this.onReply(link, chunk));
    // The server went away: so does the client's connection, as it would without the proxy.
    upstream.on('error', () => this.drop(link));
    upstream.on('close', () => this.drop(link));
  }

  private onRequest(link: Link, chunk: Buffer): void {
    if (this.modeNow === 'stall' || link.upstream === undefined) {
      link.heldRequests.push(chunk);
      return;
    }
    this.forwardRequest(link, chunk);
  }

  private forwardRequest(link: Link, chunk: Buffer): void {
    const index = link.pendingFault === undefined ? this.triggers.findIndex((trigger) => trigger.matches(chunk)) : -1;
    if (index >= 0) {
      const [trigger] = this.triggers.splice(index, 1);
      link.pendingFault = trigger!.fault;
      this.struck.set(link, trigger!.struck);
    } else if (this.modeNow === 'reset') {
      link.pendingFault ??= 'reset';
    }
    link.upstream!.write(chunk);
  }

  private onReply(link: Link, chunk: Buffer): void {
    if (link.pendingFault === 'reset') {
      this.reset(link);
      this.strike(link);
      return;
    }
    if (link.pendingFault === 'hang') {
      link.pendingFault = undefined;
      link.hung = true;
      this.strike(link);
    }
    if (link.hung) {
      link.heldReplies.push(chunk);
      return;
    }
    switch (this.modeNow) {
      case 'stall':
      case 'hang':
        link.heldReplies.push(chunk);
        return;
      case 'slow': {
        const dueAt = Math.max(Date.now() + this.slowMs, link.lastDeliveryAt);
        link.lastDeliveryAt = dueAt;
        setTimeout(() => this.deliver(link, chunk), dueAt - Date.now()).unref();
        return;
      }
      default:
        this.deliver(link, chunk);
    }
  }

  private deliver(link: Link, chunk: Buffer): void {
    if (this.links.has(link) && !link.client.destroyed) link.client.write(chunk);
  }

  /** After a switch out of stall or hang: what was held goes on, in order. */
  private forwardHeld(link: Link): void {
    if (this.modeNow === 'stall') return;
    if (link.upstream === undefined) this.openUpstream(link);
    for (const chunk of link.heldRequests.splice(0)) this.forwardRequest(link, chunk);
    if (this.modeNow === 'hang' || link.hung) return;
    for (const chunk of link.heldReplies.splice(0)) this.onReply(link, chunk);
  }

  private strike(link: Link): void {
    const struck = this.struck.get(link);
    this.struck.delete(link);
    struck?.();
  }

  private reset(link: Link): void {
    if (!this.links.has(link)) return;
    this.resets++;
    this.links.delete(link);
    if (!link.client.destroyed) link.client.resetAndDestroy();
    link.upstream?.destroy();
  }

  private drop(link: Link): void {
    if (!this.links.delete(link)) return;
    this.struck.delete(link);
    link.client.destroy();
    link.upstream?.destroy();
  }
}

/** Host and port of a database URL. */
export function targetOf(databaseUrl: string): { host: string; port: number } {
  const url = new URL(databaseUrl);
  return { host: url.hostname, port: Number(url.port || 5432) };
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
