import type { ReadModelStore, RowChange } from '../projections/read-model-store';
import { qualified, type Sql } from '../sql';
import type { OrderSummaryRow } from './order-summary.row';

/**
 * Bulk I/O of the orders read model. Upserts pass whole columns as arrays through unnest(), so a
 * batch of any size is one statement with a fixed number of parameters (no 65k-parameter limit, one
 * plan). `WHERE version < EXCLUDED.version` is the per-aggregate guard behind the checkpoint.
 */
export const orderSummaryStore: ReadModelStore<OrderSummaryRow> = {
  async load(sql: Sql, schema: string, keys: readonly string[]) {
    const { rows } = await sql.query(
      `SELECT order_id, customer_id, status, total_cents, rejection_reason, created_at, updated_at, version
         FROM ${qualified(schema, 'orders')} WHERE order_id = ANY($1::text[])`,
      [keys],
    );
    const found = new Map<string, OrderSummaryRow>();
    for (const r of rows) {
      found.set(r.order_id, {
        orderId: r.order_id,
        customerId: r.customer_id,
        status: r.status,
        totalCents: Number(r.total_cents),
        rejectionReason: r.rejection_reason,
        createdAt: new Date(r.created_at).toISOString(),
        updatedAt: new Date(r.updated_at).toISOString(),
        version: r.version,
      });
    }
    return found;
  },

  async save(sql: Sql, schema: string, changes: readonly RowChange<OrderSummaryRow>[]) {
    if (changes.length === 0) return;
    const cols: unknown[][] = [[], [], [], [], [], [], [], []];
    const lineCols: unknown[][] = [[], [], [], [], []];
    for (const { before, after } of changes) {
      cols[0].push(after.orderId);
      cols[1].push(after.customerId);
      cols[2].push(after.status);
      cols[3].push(after.totalCents);
      cols[4].push(after.rejectionReason);
      cols[5].push(after.createdAt);
      cols[6].push(after.updatedAt);
      cols[7].push(after.version);
      if (before === undefined && after.lines) {
        after.lines.forEach((line, index) => {
          lineCols[0].push(after.orderId);
          lineCols[1].push(index + 1);
          lineCols[2].push(line.sku);
          lineCols[3].push(line.quantity);
          lineCols[4].push(line.unitPriceCents);
        });
      }
    }
    const orders = qualified(schema, 'orders');
    await sql.query(
      `INSERT INTO ${orders} AS o (order_id, customer_id, status, total_cents, rejection_reason, created_at, updated_at, version)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::timestamptz[], $7::timestamptz[], $8::int[])
       ON CONFLICT (order_id) DO UPDATE SET
         status = EXCLUDED.status, total_cents = EXCLUDED.total_cents, rejection_reason = EXCLUDED.rejection_reason,
         updated_at = EXCLUDED.updated_at, version = EXCLUDED.version
       WHERE o.version < EXCLUDED.version`,
      cols,
    );
    if (lineCols[0].length > 0) {
      await sql.query(
        `INSERT INTO ${qualified(schema, 'order_lines')} (order_id, line_no, sku, quantity, unit_price_cents)
         SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::int[], $5::bigint[])
         ON CONFLICT (order_id, line_no) DO NOTHING`,
        lineCols,
      );
    }
  },
};
