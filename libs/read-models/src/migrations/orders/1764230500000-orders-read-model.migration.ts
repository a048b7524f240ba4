import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Orders read model of one projection version (runs inside `<ns>_orders_v<N>`). The indexes serve
 * the contract's listing: optional customerId / status filters, keyset pagination on
 * (created_at, order_id), which is stable because order_id is unique.
 */
export class OrdersReadModel1764230500000 implements MigrationInterface {
  name = 'OrdersReadModel1764230500000';

  async up(q: QueryRunner): Promise<void> {
    const s = `"${q.connection.driver.schema}"`;
    await q.query(`
      CREATE TABLE ${s}.orders (
        order_id text PRIMARY KEY,
        customer_id text NOT NULL,
        status text NOT NULL,
        total_cents bigint NOT NULL,
        rejection_reason text,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        version integer NOT NULL
      )`);
    await q.query(`
      CREATE TABLE ${s}.order_lines (
        order_id text NOT NULL,
        line_no integer NOT NULL,
        sku text NOT NULL,
        quantity integer NOT NULL,
        unit_price_cents bigint NOT NULL,
        PRIMARY KEY (order_id, line_no)
      )`);
    await q.query(`CREATE INDEX orders_created_idx ON ${s}.orders (created_at, order_id)`);
    await q.query(`CREATE INDEX orders_customer_created_idx ON ${s}.orders (customer_id, created_at, order_id)`);
    await q.query(`CREATE INDEX orders_status_created_idx ON ${s}.orders (status, created_at, order_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = `"${q.connection.driver.schema}"`;
    await q.query(`DROP TABLE ${s}.order_lines`);
    await q.query(`DROP TABLE ${s}.orders`);
  }
}
