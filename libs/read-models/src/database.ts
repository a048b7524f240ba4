import { Pool, PoolClient, PoolConfig } from 'pg';
import { DataSource, DataSourceOptions, MigrationInterface } from 'typeorm';

export interface DatabaseOptions {
  readonly url: string;
  /** PostgreSQL schema that holds the tables and the migrations table. */
  readonly schema: string;
  readonly migrations?: (new () => MigrationInterface)[];
  readonly entities?: DataSourceOptions['entities'];
  readonly poolSize?: number;
  readonly applicationName?: string;
  readonly timeouts?: DatabaseTimeouts;
}

/**
 * DATABASE_CONNECT_TIMEOUT_MS / DATABASE_STATEMENT_TIMEOUT_MS / DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS
 * (0 = none), applied to every pool.
 */
export interface DatabaseTimeouts {
  readonly connectTimeoutMs: number;
  readonly statementTimeoutMs: number;
  /**
   * PostgreSQL ends a session that sits inside a transaction this long without sending a statement.
   * Our transactions never wait on anything but the database, so only a paused or cut-off client
   * (a long GC or VM pause) gets there, and until then its row locks stop everyone who needs the
   * same rows: the projector instance that took its partitions over waited for it to come back,
   * however long that took (test/read-side/projector-pause.int-spec.ts). Ended, the locks are gone.
   */
  readonly idleInTransactionTimeoutMs?: number;
}

type TimeoutSettings = Pick<PoolConfig, 'connectionTimeoutMillis' | 'statement_timeout' | 'idle_in_transaction_session_timeout' | 'keepAlive'>;

/** node-postgres settings for the timeouts: a dead or hung server fails a request instead of hanging it. */
export function timeoutSettings(timeouts?: DatabaseTimeouts): TimeoutSettings {
  if (!timeouts) return { keepAlive: true };
  return {
    connectionTimeoutMillis: timeouts.connectTimeoutMs,
    ...(timeouts.statementTimeoutMs > 0 ? { statement_timeout: timeouts.statementTimeoutMs } : {}),
    ...(timeouts.idleInTransactionTimeoutMs ? { idle_in_transaction_session_timeout: timeouts.idleInTransactionTimeoutMs } : {}),
    keepAlive: true,
  };
}

/** Schema names derive from ES_NAMESPACE, which config restricts to [a-z0-9_]. */
export function metaSchema(namespace: string): string {
  return `${namespace}_meta`;
}

/**
 * A TypeORM DataSource bound to one schema. Schema changes only ever go through migrations
 * (`synchronize` stays off): a projection version's schema is created by its migrations, so the
 * same code builds v1 and a blue/green v2 side by side.
 */
export function createDataSource(options: DatabaseOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: options.url,
    schema: options.schema,
    entities: options.entities ?? [],
    migrations: options.migrations ?? [],
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'all',
    synchronize: false,
    logging: false,
    applicationName: options.applicationName,
    // Only the connect timeout: these data sources run migrations, which may rightly take longer
    // than any statement of the request path.
    extra: { max: options.poolSize ?? 10, ...timeoutSettings(options.timeouts && { ...options.timeouts, statementTimeoutMs: 0 }) },
  });
}

/**
 * TypeORM's pool only listens for errors of idle clients: call this after `initialize()` so that a
 * checked-out client losing its connection cannot crash the process either.
 */
export function guardDataSource(dataSource: DataSource, onError: (error: Error) => void = () => undefined): void {
  const pool = (dataSource.driver as unknown as { master?: Pool }).master;
  if (pool) guardClients(pool, onError);
}

/** Creates the schema if needed, then runs its pending migrations in one transaction. */
export async function migrate(dataSource: DataSource): Promise<string[]> {
  const schema = (dataSource.options as { schema?: string }).schema ?? 'public';
  // Several apps boot at once and migrate the same schema: a session advisory lock held on its own
  // connection serialises them, the later ones then find nothing pending.
  const lock = dataSource.createQueryRunner();
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock(hashtext($1))', [`migrate:${schema}`]);
    await dataSource.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    const applied = await dataSource.runMigrations({ transaction: 'all' });
    return applied.map((m) => m.name);
  } finally {
    await lock.query('SELECT pg_advisory_unlock(hashtext($1))', [`migrate:${schema}`]).catch(() => undefined);
    await lock.release();
  }
}

/**
 * A node-postgres pool that survives the database going away: an idle client's error (a restart,
 * an administrator's shutdown) is logged instead of crashing the process as an unhandled 'error'
 * event; the pool replaces the client on the next query.
 */
export function createPool(config: PoolConfig, onError: (error: Error) => void, timeouts?: DatabaseTimeouts): Pool {
  const pool = new Pool({ ...timeoutSettings(timeouts), ...config });
  pool.on('error', onError);
  guardClients(pool, onError);
  return pool;
}

const GUARDED = Symbol('es.guarded');

/**
 * pg-pool removes its error listener from a client while it is checked out, so a client that loses
 * its connection between two queries of a transaction emits an 'error' nobody listens to, and Node
 * ends the process. Every client of the pool gets a listener of its own for its whole life; the
 * failed query still rejects, and the caller decides (retry, 503).
 */
function guardClients(pool: Pool, onError: (error: Error) => void): void {
  const guard = (client: PoolClient) => {
    const marked = client as PoolClient & { [GUARDED]?: true };
    if (marked[GUARDED]) return;
    marked[GUARDED] = true;
    client.on('error', onError);
  };
  pool.on('connect', guard);
  pool.on('acquire', guard);
}
