import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { orderDecider, productDecider, type BoundedContext, type OrderEvent, type OrderState, type ProductEvent, type ProductState } from '@es/domain';
import type { EventEnvelope } from '@es/event-store';
import { KafkaCommandTransport, topics } from '@es/kafka';
import { readTopic } from './read-topic';
import { provisionTestTopics } from './test-kafka';

/**
 * Talks to a namespace's write side the way the command API does (command topic in, reply topic
 * out) and reads the event topics back, for integration tests of the processor and the saga.
 */
export class WriteSideHarness {
  readonly kafka: Kafka;
  readonly transport: KafkaCommandTransport;

  constructor(
    readonly namespace: string,
    readonly partitions = 3,
    timeoutMs = 30000,
  ) {
    this.kafka = new Kafka({ clientId: `harness-${namespace}`, brokers: process.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
    this.transport = new KafkaCommandTransport(this.kafka, { namespace, timeoutMs });
  }

  get env(): Record<string, string> {
    return { ES_NAMESPACE: this.namespace, TOPIC_PARTITIONS: String(this.partitions) };
  }

  async start(): Promise<void> {
    await provisionTestTopics(this.kafka, this.namespace, this.partitions);
    await this.transport.start();
  }

  async stop(): Promise<void> {
    await this.transport.stop();
  }

  send(context: BoundedContext, type: string, aggregateId: string, data: unknown, commandId: string = randomUUID()) {
    return this.transport.send({ context, type, aggregateId, data, commandId, correlationId: randomUUID() });
  }

  async registerProduct(sku: string, stock: number): Promise<void> {
    await this.send('inventory', 'RegisterProduct', sku, { sku, name: sku });
    if (stock > 0) await this.send('inventory', 'ReceiveStock', sku, { sku, quantity: stock });
  }

  placeOrder(lines: { sku: string; quantity: number; unitPriceCents?: number }[], orderId: string = randomUUID()) {
    return this.send('orders', 'PlaceOrder', orderId, {
      orderId,
      customerId: 'customer-1',
      lines: lines.map((l) => ({ unitPriceCents: 100, ...l })),
    }).then(() => orderId);
  }

  async events(context: BoundedContext): Promise<EventEnvelope[]> {
    return (await readTopic(this.kafka, topics.events(this.namespace, context), { idleMs: 1000 })).map((r) => JSON.parse(r.value!) as EventEnvelope);
  }

  /** Folds every order stream with the domain's own evolve. */
  async orders(): Promise<Map<string, { state: OrderState; events: EventEnvelope[] }>> {
    return foldStreams(await this.events('orders'), (events) =>
      events.reduce((s, e) => orderDecider.evolve(s, { type: e.type, data: e.payload } as OrderEvent), orderDecider.initialState()),
    );
  }

  async products(): Promise<Map<string, { state: ProductState; events: EventEnvelope[] }>> {
    return foldStreams(await this.events('inventory'), (events) =>
      events.reduce((s, e) => productDecider.evolve(s, { type: e.type, data: e.payload } as ProductEvent), productDecider.initialState()),
    );
  }
}

function foldStreams<S>(events: EventEnvelope[], fold: (events: EventEnvelope[]) => S): Map<string, { state: S; events: EventEnvelope[] }> {
  const streams = new Map<string, EventEnvelope[]>();
  for (const e of events) streams.set(e.aggregateId, [...(streams.get(e.aggregateId) ?? []), e]);
  return new Map([...streams].map(([id, stream]) => [id, { state: fold(stream), events: stream }]));
}
