import type { IncomingMessage, ServerResponse } from 'node:http';
import type { UiRuns } from './api-routes';
import type { WatchOptions } from '../../query/watch/watch-types';

/** A comment line this often keeps proxies from closing an idle stream, and notices a client that went away. */
const PING_MS = 15_000;

/**
 * `/api/live`: run changes as Server-Sent Events, from runs.watch() with the request's filters. Each change is an
 * event `change` whose id is its cursor, so a browser's EventSource that reconnects (it sends Last-Event-ID) goes on
 * right after the last change it got: nothing lost, nothing repeated. Ends when the client goes away or `stop` is
 * called (the server closing); the watch is closed either way.
 */
export class LiveEvents {
  readonly #streams = new Set<() => Promise<void>>();
  #unreferenced = false;

  /** From now on the streams' timers do not keep the process alive (see UiServer.unref). */
  unref(): void {
    this.#unreferenced = true;
  }

  async stream(request: IncomingMessage, response: ServerResponse, runs: UiRuns, options: WatchOptions): Promise<void> {
    const lastEventId = request.headers['last-event-id'];
    const after = typeof lastEventId === 'string' && lastEventId.length > 0 ? lastEventId : options.after;
    // watch() checks its options now: a bad filter is an AgentspanQueryError (a 400) before the stream starts.
    const watch = runs.watch({ ...options, after });
    response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    response.write(': agentspan live runs\n\n');
    const ping = setInterval(() => response.write(': ping\n\n'), PING_MS);
    if (this.#unreferenced) ping.unref();
    const stop = async () => {
      clearInterval(ping);
      await watch.close();
    };
    this.#streams.add(stop);
    request.on('close', () => void stop());
    try {
      for await (const change of watch) {
        if (response.destroyed) break;
        response.write(`id: ${change.cursor}\nevent: change\ndata: ${JSON.stringify(change)}\n\n`);
      }
    } finally {
      this.#streams.delete(stop);
      await stop();
      if (!response.writableEnded) response.end();
    }
  }

  /** Ends every stream (the server is closing). */
  async stopAll(): Promise<void> {
    await Promise.all([...this.#streams].map((stop) => stop()));
  }
}
