import { createDataSource, META_MIGRATIONS, metaSchema, migrate } from '@es/read-models';
import { randomNamespace } from '@es/testing';

describe('schema migrations on the real database', () => {
  const ns = randomNamespace();
  const schema = metaSchema(ns);

  afterAll(async () => {
    const ds = createDataSource({ url: process.env.DATABASE_URL!, schema });
    await ds.initialize();
    await ds.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await ds.destroy();
  });

  it('creates the projection bookkeeping tables once and finds nothing pending the second time', async () => {
    const first = createDataSource({ url: process.env.DATABASE_URL!, schema, migrations: META_MIGRATIONS });
    await first.initialize();
    const applied = await migrate(first);
    const tables = await first.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1`, [schema]);
    await first.destroy();

    const second = createDataSource({ url: process.env.DATABASE_URL!, schema, migrations: META_MIGRATIONS });
    await second.initialize();
    const again = await migrate(second);
    await second.destroy();

    expect(applied).toEqual(['ProjectionMeta1764230400000']);
    expect(tables.map((t: { table_name: string }) => t.table_name)).toEqual([
      'migrations',
      'projection_checkpoints',
      'projection_dead_letters',
      'projection_registry',
    ]);
    expect(again).toEqual([]);
  });

  it('lets concurrent boots migrate the same schema without a duplicate-table failure', async () => {
    const other = metaSchema(randomNamespace());
    const sources = [0, 1, 2].map(() => createDataSource({ url: process.env.DATABASE_URL!, schema: other, migrations: META_MIGRATIONS }));
    await Promise.all(sources.map((s) => s.initialize()));
    const results = await Promise.all(sources.map((s) => migrate(s)));
    await sources[0].query(`DROP SCHEMA "${other}" CASCADE`);
    await Promise.all(sources.map((s) => s.destroy()));

    expect(results.flat()).toEqual(['ProjectionMeta1764230400000']);
  });
});
