/**
 * The slice of node-postgres both the projector runtime and the query side use (pg.Pool,
 * pg.PoolClient): plain SQL with exact row counts, which the optimistic checkpoint update needs.
 */
export interface Sql {
  query<R = any>(text: string, values?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
}

/** Schema names come from ES_NAMESPACE ([a-z0-9_]) and a version integer; quoting keeps them literal. */
export function qualified(schema: string, table: string): string {
  return `"${schema}"."${table}"`;
}
