import { FaultProxy } from './fault-proxy';

export { targetOf } from './fault-proxy';

/**
 * A TCP forwarder on 127.0.0.1 between a client and a database, for tests that take the database away and bring it
 * back without touching the server: `listen()` starts forwarding on the port, `close()` stops listening and cuts
 * every open connection. The simple face of FaultProxy (see fault-proxy.ts for stalls, slow replies and resets).
 */
export class TcpProxy {
  private constructor(private readonly proxy: FaultProxy) {}

  get port(): number {
    return this.proxy.port;
  }

  /** A proxy on a free port that does not listen yet: connections to it are refused until listen(). */
  static async reserve(target: { host: string; port: number }): Promise<TcpProxy> {
    return new TcpProxy(await FaultProxy.start(target, { mode: 'cut' }));
  }

  listen(): Promise<void> {
    return this.proxy.setMode('pass');
  }

  close(): Promise<void> {
    return this.proxy.mode === 'cut' ? Promise.resolve() : this.proxy.setMode('cut');
  }

  /** The database URL with its host and port replaced by this proxy's. */
  urlFor(databaseUrl: string): string {
    return this.proxy.urlFor(databaseUrl);
  }
}
