import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Product stock of one projection version (runs inside `<ns>_inventory_v<N>`). `available` is
 * generated so that it can never disagree with on_hand - reserved; listing pages by sku (the PK).
 */
export class InventoryReadModel1764230500000 implements MigrationInterface {
  name = 'InventoryReadModel1764230500000';

  async up(q: QueryRunner): Promise<void> {
    const s = `"${q.connection.driver.schema}"`;
    await q.query(`
      CREATE TABLE ${s}.products (
        sku text PRIMARY KEY,
        name text NOT NULL,
        on_hand bigint NOT NULL,
        reserved bigint NOT NULL,
        available bigint GENERATED ALWAYS AS (on_hand - reserved) STORED,
        version integer NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "${q.connection.driver.schema}".products`);
  }
}
