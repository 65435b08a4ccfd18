import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Starts `server` listening; resolves with the port it got and its base URL (http://host:port/), or rejects. */
export async function listen(server: Server, port: number, host: string): Promise<{ port: number; url: string }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return { port: bound, url: `http://${shownHost}:${bound}/` };
}
