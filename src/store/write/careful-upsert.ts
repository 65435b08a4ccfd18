import type { QueryRunner } from 'typeorm';
import { describeDatabaseError, isRowDataError } from '../connection/errors';
import type { MergedSpan } from './dedupe-records';
import { upsertPayload } from './upsert-payload';

/** A span the database refused for its own data, with the reason it gave. */
export interface RejectedSpan {
  span: MergedSpan;
  reason: string;
}

/**
 * Upserts a chunk with `upsertSql` inside a savepoint. When the database refuses data, the chunk is rolled back and
 * split in two, recursively, until each bad span stands alone and is added to `rejected`; the good halves are
 * written. Any other failure is thrown.
 */
export async function upsertCarefully(
  queryRunner: QueryRunner,
  upsertSql: string,
  chunk: MergedSpan[],
  rejected: RejectedSpan[],
): Promise<void> {
  await queryRunner.query('SAVEPOINT agentspan_chunk');
  try {
    await queryRunner.query(upsertSql, upsertPayload(chunk));
    await queryRunner.query('RELEASE SAVEPOINT agentspan_chunk');
    return;
  } catch (error) {
    if (!isRowDataError(error)) throw error;
    await queryRunner.query('ROLLBACK TO SAVEPOINT agentspan_chunk');
    await queryRunner.query('RELEASE SAVEPOINT agentspan_chunk');
    if (chunk.length === 1) {
      rejected.push({ span: chunk[0]!, reason: describeDatabaseError(error) });
      return;
    }
  }
  const middle = Math.ceil(chunk.length / 2);
  await upsertCarefully(queryRunner, upsertSql, chunk.slice(0, middle), rejected);
  await upsertCarefully(queryRunner, upsertSql, chunk.slice(middle), rejected);
}
