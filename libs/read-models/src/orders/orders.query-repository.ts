import { qualified, type Sql } from '../sql';
import type { OrderSummaryStatus } from './order-summary.row';

export interface OrderView {
  readonly orderId: string;
  readonly customerId: string;
  readonly status: OrderSummaryStatus;
  readonly lines: { readonly sku: string; readonly quantity: number; readonly unitPriceCents: number }[];
  readonly totalCents: number;
  readonly version: number;
  readonly rejectionReason: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** Keyset position: the (created_at, order_id) of the last row of the previous page. */
export interface OrderListAfter {
  readonly createdAt: string;
  readonly orderId: string;
}

export interface OrderListQuery {
  readonly customerId?: string;
  readonly status?: OrderSummaryStatus;
  readonly limit: number;
  readonly after?: OrderListAfter;
}

/** Reads of the orders read model, always against the schema of the version that is active. */
export class OrdersQueryRepository {
  constructor(private readonly sql: Sql) {}

  async findById(schema: string, orderId: string): Promise<OrderView | undefined> {
    const { rows } = await this.sql.query(`SELECT * FROM ${qualified(schema, 'orders')} WHERE order_id = $1`, [orderId]);
    if (rows.length === 0) return undefined;
    const [view] = await this.withLines(schema, rows);
    return view;
  }

  /** One page ordered by (created_at, order_id) — stable and served by the (…, created_at, order_id) indexes. */
  async list(schema: string, query: OrderListQuery): Promise<{ items: OrderView[]; next?: OrderListAfter }> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.customerId !== undefined) where.push(`customer_id = $${params.push(query.customerId)}`);
    if (query.status !== undefined) where.push(`status = $${params.push(query.status)}`);
    if (query.after) {
      // Compare at full timestamptz precision; the cursor carries the database's own text form.
      where.push(`(created_at, order_id) > ($${params.push(query.after.createdAt)}::timestamptz, $${params.push(query.after.orderId)})`);
    }
    const { rows } = await this.sql.query(
      `SELECT *, created_at::text AS created_at_key FROM ${qualified(schema, 'orders')}
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY created_at, order_id LIMIT $${params.push(query.limit + 1)}`,
      params,
    );
    const page = rows.slice(0, query.limit);
    const items = await this.withLines(schema, page);
    const last = page[page.length - 1];
    return { items, next: rows.length > query.limit ? { createdAt: last.created_at_key, orderId: last.order_id } : undefined };
  }

  private async withLines(schema: string, rows: any[]): Promise<OrderView[]> {
    if (rows.length === 0) return [];
    const { rows: lines } = await this.sql.query(
      `SELECT order_id, sku, quantity, unit_price_cents FROM ${qualified(schema, 'order_lines')}
       WHERE order_id = ANY($1::text[]) ORDER BY order_id, line_no`,
      [rows.map((r) => r.order_id)],
    );
    const byOrder = new Map<string, OrderView['lines']>();
    for (const l of lines) {
      const list = byOrder.get(l.order_id) ?? [];
      list.push({ sku: l.sku, quantity: l.quantity, unitPriceCents: Number(l.unit_price_cents) });
      byOrder.set(l.order_id, list);
    }
    return rows.map((r) => ({
      orderId: r.order_id,
      customerId: r.customer_id,
      status: r.status,
      lines: byOrder.get(r.order_id) ?? [],
      totalCents: Number(r.total_cents),
      version: r.version,
      rejectionReason: r.rejection_reason,
      createdAt: new Date(r.created_at).toISOString(),
      updatedAt: new Date(r.updated_at).toISOString(),
    }));
  }
}
