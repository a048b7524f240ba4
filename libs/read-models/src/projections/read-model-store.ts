import type { Sql } from '../sql';

/** A row as the fold saw it before the batch (undefined: new) and after. */
export interface RowChange<S> {
  readonly before: S | undefined;
  readonly after: S;
}

/**
 * How a projection's rows are read and written in bulk. The runtime loads every row a batch touches
 * with one query, folds the batch in memory, then saves all changed rows with multi-row upserts in
 * the batch's transaction.
 */
export interface ReadModelStore<S> {
  load(sql: Sql, schema: string, keys: readonly string[]): Promise<Map<string, S>>;
  save(sql: Sql, schema: string, changes: readonly RowChange<S>[]): Promise<void>;
}
