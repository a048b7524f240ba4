import type { Pool, PoolClient } from 'pg';

export interface TransactionOptions<T> {
  /** Commit only when this says so (e.g. an optimistic update matched); otherwise roll back and return the result. */
  readonly commitIf?: (result: T) => boolean;
}

/**
 * BEGIN, `work`, COMMIT on one pooled client; ROLLBACK when `work` throws (the error is rethrown,
 * never one from the rollback itself) or when `commitIf` refuses the result. The client is always
 * released.
 */
export async function inTransaction<T>(pool: Pick<Pool, 'connect'>, work: (client: PoolClient) => Promise<T>, options: TransactionOptions<T> = {}): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    let result: T;
    try {
      result = await work(client);
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined); // the original error is the one that matters
      throw error;
    }
    await client.query(options.commitIf === undefined || options.commitIf(result) ? 'COMMIT' : 'ROLLBACK');
    return result;
  } finally {
    client.release();
  }
}
