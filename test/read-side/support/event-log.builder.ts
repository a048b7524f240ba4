import { randomUUID } from 'node:crypto';
import type { Kafka, Producer } from 'kafkajs';
import { eventIdFor, serializeEvent, type EventEnvelope } from '@es/event-store';
import { EVENT_SCHEMA_VERSIONS } from '@es/domain';
import { topics, type Context } from '@es/kafka';

const AGGREGATE_TYPE: Record<Context, string> = { orders: 'Order', inventory: 'Product' };

/**
 * Builds envelopes exactly as the command processor writes them (versions 1, 2, 3 … per aggregate,
 * key = aggregate id), so the read side can be tested before and independently of the write side.
 */
export class EventLogBuilder {
  private readonly versions = new Map<string, number>();
  private clock = Date.parse('2026-01-01T00:00:00.000Z');

  event(context: Context, aggregateId: string, type: string, payload: unknown): EventEnvelope {
    const version = (this.versions.get(`${context}:${aggregateId}`) ?? 0) + 1;
    this.versions.set(`${context}:${aggregateId}`, version);
    this.clock += 1;
    const aggregateType = AGGREGATE_TYPE[context];
    return {
      eventId: eventIdFor(aggregateType, aggregateId, version),
      type,
      schemaVersion: (EVENT_SCHEMA_VERSIONS as Record<string, number>)[type] ?? 1,
      context,
      aggregateType,
      aggregateId,
      version,
      commandId: randomUUID(),
      correlationId: randomUUID(),
      causationId: null,
      occurredAt: new Date(this.clock).toISOString(),
      payload,
    };
  }

  orderPlaced(orderId: string, customerId: string, lines: { sku: string; quantity: number; unitPriceCents: number }[]): EventEnvelope {
    const totalCents = lines.reduce((sum, l) => sum + l.quantity * l.unitPriceCents, 0);
    return this.event('orders', orderId, 'OrderPlaced', { orderId, customerId, lines, totalCents });
  }

  orderConfirmed(orderId: string): EventEnvelope {
    return this.event('orders', orderId, 'OrderConfirmed', { orderId });
  }

  orderRejected(orderId: string, reason: string): EventEnvelope {
    return this.event('orders', orderId, 'OrderRejected', { orderId, reason, rejectedSkus: [], reservedSkus: [] });
  }

  orderShipped(orderId: string): EventEnvelope {
    return this.event('orders', orderId, 'OrderShipped', { orderId, lines: [] });
  }

  productRegistered(sku: string, name = `Product ${sku}`): EventEnvelope {
    return this.event('inventory', sku, 'ProductRegistered', { sku, name });
  }

  stockReceived(sku: string, quantity: number): EventEnvelope {
    return this.event('inventory', sku, 'StockReceived', { sku, quantity });
  }

  stockReserved(sku: string, orderId: string, quantity: number): EventEnvelope {
    return this.event('inventory', sku, 'StockReserved', { sku, orderId, quantity });
  }
}

/** A transactional producer, like the command processor's: consumers read read_committed. */
export class EventAppender {
  private producer?: Producer;
  constructor(
    private readonly kafka: Kafka,
    private readonly ns: string,
  ) {}

  async append(events: readonly EventEnvelope[], { chunk = 500 }: { chunk?: number } = {}): Promise<{ context: Context; partition: number; offset: string }[]> {
    if (!this.producer) {
      this.producer = this.kafka.producer({ transactionalId: `${this.ns}.test-appender.${randomUUID()}`, idempotent: true, maxInFlightRequests: 1 });
      await this.producer.connect();
    }
    const positions: { context: Context; partition: number; offset: string }[] = [];
    for (let i = 0; i < events.length; i += chunk) {
      const slice = events.slice(i, i + chunk);
      const tx = await this.producer.transaction();
      try {
        const byTopic = new Map<Context, EventEnvelope[]>();
        for (const e of slice) byTopic.set(e.context as Context, [...(byTopic.get(e.context as Context) ?? []), e]);
        const results = await tx.sendBatch({
          topicMessages: [...byTopic].map(([ctx, list]) => ({ topic: topics.events(this.ns, ctx), messages: list.map((e) => serializeEvent(e)) })),
        });
        await tx.commit();
        for (const r of results) {
          const context = r.topicName.endsWith('.orders.events') ? 'orders' : 'inventory';
          positions.push({ context, partition: r.partition, offset: String(r.baseOffset) });
        }
      } catch (error) {
        await tx.abort().catch(() => undefined);
        throw error;
      }
    }
    return positions;
  }

  /** A raw record (e.g. not JSON) for poison tests. */
  async appendRaw(context: Context, key: string, value: string, headers: Record<string, string> = {}): Promise<void> {
    await this.append([]);
    const tx = await this.producer!.transaction();
    await tx.send({ topic: topics.events(this.ns, context), messages: [{ key, value, headers }] });
    await tx.commit();
  }

  async close(): Promise<void> {
    await this.producer?.disconnect().catch(() => undefined);
  }
}
