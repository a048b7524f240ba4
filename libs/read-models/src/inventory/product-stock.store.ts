import type { ReadModelStore, RowChange } from '../projections/read-model-store';
import { qualified, type Sql } from '../sql';
import type { ProductStockRow } from './product-stock.row';

/** Bulk I/O of the product stock read model (see order-summary.store.ts for the upsert shape). */
export const productStockStore: ReadModelStore<ProductStockRow> = {
  async load(sql: Sql, schema: string, keys: readonly string[]) {
    const { rows } = await sql.query(`SELECT sku, name, on_hand, reserved, version FROM ${qualified(schema, 'products')} WHERE sku = ANY($1::text[])`, [keys]);
    const found = new Map<string, ProductStockRow>();
    for (const r of rows) {
      found.set(r.sku, { sku: r.sku, name: r.name, onHand: Number(r.on_hand), reserved: Number(r.reserved), version: r.version });
    }
    return found;
  },

  async save(sql: Sql, schema: string, changes: readonly RowChange<ProductStockRow>[]) {
    if (changes.length === 0) return;
    const cols: unknown[][] = [[], [], [], [], []];
    for (const { after } of changes) {
      cols[0].push(after.sku);
      cols[1].push(after.name);
      cols[2].push(after.onHand);
      cols[3].push(after.reserved);
      cols[4].push(after.version);
    }
    await sql.query(
      `INSERT INTO ${qualified(schema, 'products')} AS p (sku, name, on_hand, reserved, version)
       SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::int[])
       ON CONFLICT (sku) DO UPDATE SET
         name = EXCLUDED.name, on_hand = EXCLUDED.on_hand, reserved = EXCLUDED.reserved, version = EXCLUDED.version
       WHERE p.version < EXCLUDED.version`,
      cols,
    );
  },
};
