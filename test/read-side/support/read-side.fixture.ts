import { Kafka } from 'kafkajs';
import { Pool } from 'pg';
import { namespaceTopics, provisionTopics } from '@es/kafka';
import { orderSummaryFolds, productStockFolds, type FoldStep } from '@es/projections';
import { createDataSource, META_MIGRATIONS, metaSchema, migrate, projectionSchema } from '@es/read-models';
import type { EventEnvelope, StoredEvent } from '@es/event-store';
import { dropNamespace, testKafka } from '@es/testing';
import { EventAppender } from './event-log.builder';

/** Real broker + database for one test file, in its own namespace. */
export class ReadSideFixture {
  readonly kafka: Kafka;
  readonly admin;
  readonly pool: Pool;
  readonly appender: EventAppender;

  constructor(
    readonly ns: string,
    readonly databaseUrl: string = process.env.DATABASE_URL!,
  ) {
    this.kafka = testKafka(`test-${ns}`);
    this.admin = this.kafka.admin();
    this.pool = new Pool({ connectionString: databaseUrl, max: 4 });
    this.appender = new EventAppender(this.kafka, ns);
  }

  get env(): Record<string, string> {
    return { ES_NAMESPACE: this.ns, TOPIC_PARTITIONS: '3', KAFKA_BROKERS: process.env.KAFKA_BROKERS!, DATABASE_URL: this.databaseUrl };
  }

  async setUp(): Promise<void> {
    await this.admin.connect();
    await provisionTopics(this.admin, namespaceTopics(this.ns, { partitions: 3, replicationFactor: 1, minInsyncReplicas: 1 }), 1);
    const ds = createDataSource({ url: this.databaseUrl, schema: metaSchema(this.ns), migrations: META_MIGRATIONS });
    await ds.initialize();
    await migrate(ds);
    await ds.destroy();
  }

  async tearDown(): Promise<void> {
    await this.appender.close();
    await dropNamespace(this.ns, this.admin, this.pool);
    await this.pool.end();
    await this.admin.disconnect();
  }

  schema(projection: string, version = 1): string {
    return projectionSchema(this.ns, projection, version);
  }

  async activeVersion(projection: string): Promise<number | undefined> {
    const { rows } = await this.pool.query(`SELECT active_version FROM "${metaSchema(this.ns)}".projection_registry WHERE name = $1`, [projection]);
    return rows[0]?.active_version;
  }

  /** Every order with its lines, in a form comparable with `expectedOrders`. */
  async orders(version?: number): Promise<Record<string, unknown>> {
    const schema = this.schema('orders', version ?? (await this.activeVersion('orders')) ?? 1);
    const { rows } = await this.pool.query(`SELECT * FROM "${schema}".orders ORDER BY order_id`);
    const { rows: lines } = await this.pool.query(`SELECT * FROM "${schema}".order_lines ORDER BY order_id, line_no`);
    const out: Record<string, any> = {};
    for (const r of rows) {
      out[r.order_id] = {
        customerId: r.customer_id,
        status: r.status,
        totalCents: Number(r.total_cents),
        rejectionReason: r.rejection_reason,
        createdAt: new Date(r.created_at).toISOString(),
        updatedAt: new Date(r.updated_at).toISOString(),
        version: r.version,
        lines: [],
      };
    }
    for (const l of lines) out[l.order_id]?.lines.push({ sku: l.sku, quantity: l.quantity, unitPriceCents: Number(l.unit_price_cents) });
    return out;
  }

  async products(version?: number): Promise<Record<string, unknown>> {
    const schema = this.schema('inventory', version ?? (await this.activeVersion('inventory')) ?? 1);
    const { rows } = await this.pool.query(`SELECT * FROM "${schema}".products ORDER BY sku`);
    return Object.fromEntries(
      rows.map((r) => [r.sku, { name: r.name, onHand: Number(r.on_hand), reserved: Number(r.reserved), available: Number(r.available), version: r.version }]),
    );
  }
}

/** The read model as a plain in-memory fold of all events: what the database must equal. */
export function expectedOrders(events: readonly EventEnvelope[]): Record<string, unknown> {
  const rows = fold(
    events.filter((e) => e.context === 'orders'),
    orderSummaryFolds as Record<string, FoldStep<any>>,
  );
  return Object.fromEntries(
    Object.entries(rows).map(([id, r]: [string, any]) => [
      id,
      {
        customerId: r.customerId,
        status: r.status,
        totalCents: r.totalCents,
        rejectionReason: r.rejectionReason,
        createdAt: r.createdAt,
        updatedAt: r.updatedAt,
        version: r.version,
        lines: r.lines,
      },
    ]),
  );
}

export function expectedProducts(events: readonly EventEnvelope[]): Record<string, unknown> {
  const rows = fold(
    events.filter((e) => e.context === 'inventory'),
    productStockFolds as Record<string, FoldStep<any>>,
  );
  return Object.fromEntries(
    Object.entries(rows).map(([sku, r]: [string, any]) => [
      sku,
      { name: r.name, onHand: r.onHand, reserved: r.reserved, available: r.onHand - r.reserved, version: r.version },
    ]),
  );
}

function fold(events: readonly EventEnvelope[], folds: Record<string, FoldStep<any>>): Record<string, any> {
  const rows: Record<string, any> = {};
  for (const e of events) {
    const step = folds[e.type];
    if (!step) continue;
    const next = step(rows[e.aggregateId], { ...e, topic: '', partition: 0, offset: '0' } as StoredEvent);
    if (next) rows[e.aggregateId] = { ...rows[e.aggregateId], ...next, lines: next.lines ?? rows[e.aggregateId]?.lines };
  }
  return Object.fromEntries(
    Object.keys(rows)
      .sort()
      .map((k) => [k, rows[k]]),
  );
}
