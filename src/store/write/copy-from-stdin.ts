import { from as copyFrom } from 'pg-copy-streams';
import type { PoolClient } from 'pg';

/**
 * Runs `COPY … FROM STDIN` on a pg client with `data` as the whole input. Resolves when the server has accepted
 * every row, rejects with the server's error (SQLSTATE included) otherwise.
 */
export function copyFromStdin(client: PoolClient, sql: string, data: Buffer): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const stream = client.query(copyFrom(sql));
    stream.on('error', reject);
    stream.on('finish', resolve);
    stream.end(data);
  });
}
