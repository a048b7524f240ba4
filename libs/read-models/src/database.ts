import { Pool, PoolConfig } from 'pg';
import { DataSource, DataSourceOptions, MigrationInterface } from 'typeorm';

export interface DatabaseOptions {
  readonly url: string;
  /** PostgreSQL schema that holds the tables and the migrations table. */
  readonly schema: string;
  readonly migrations?: (new () => MigrationInterface)[];
  readonly entities?: DataSourceOptions['entities'];
  readonly poolSize?: number;
  readonly applicationName?: string;
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
    extra: { max: options.poolSize ?? 10 },
  });
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
export function createPool(config: PoolConfig, onError: (error: Error) => void): Pool {
  const pool = new Pool(config);
  pool.on('error', onError);
  return pool;
}
