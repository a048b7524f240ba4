import { qualified, type Sql } from '../sql';

export interface ProductView {
  readonly sku: string;
  readonly name: string;
  readonly onHand: number;
  readonly reserved: number;
  readonly available: number;
  readonly version: number;
}

/** Reads of the product stock read model, against the active version's schema. */
export class ProductsQueryRepository {
  constructor(private readonly sql: Sql) {}

  async findBySku(schema: string, sku: string): Promise<ProductView | undefined> {
    const { rows } = await this.sql.query(`SELECT * FROM ${qualified(schema, 'products')} WHERE sku = $1`, [sku]);
    return rows[0] ? toView(rows[0]) : undefined;
  }

  /** One page ordered by sku (the primary key), starting after `afterSku`. */
  async list(schema: string, limit: number, afterSku?: string): Promise<{ items: ProductView[]; next?: string }> {
    const params: unknown[] = [];
    const where = afterSku !== undefined ? `WHERE sku > $${params.push(afterSku)}` : '';
    const { rows } = await this.sql.query(`SELECT * FROM ${qualified(schema, 'products')} ${where} ORDER BY sku LIMIT $${params.push(limit + 1)}`, params);
    const page = rows.slice(0, limit).map(toView);
    return { items: page, next: rows.length > limit ? page[page.length - 1].sku : undefined };
  }
}

function toView(r: any): ProductView {
  return {
    sku: r.sku,
    name: r.name,
    onHand: Number(r.on_hand),
    reserved: Number(r.reserved),
    available: Number(r.available),
    version: r.version,
  };
}
