import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Consumer, Kafka, KafkaMessage, Producer, Transaction } from 'kafkajs';
import { setTimeout as sleep } from 'node:timers/promises';
import { APP_CONFIG, AppConfig, HealthRegistry, JsonLogger, Metrics } from '@es/common';
import { fulfillmentReactions, type PlannedCommand } from '@es/domain';
import { CommandEnvelope, commandFingerprint, deserializeEvent, encodeJson, type StoredEvent } from '@es/event-store';
import { BatchRetries, groups, KAFKA, partitionForKey, SupervisedConsumer, topics, TRANSACTIONAL_RETRY, transactionalIds, undecodableRecord } from '@es/kafka';
import { SagaDeadLetters, splitKey, type PoisonRecord } from './saga-dead-letters';

const RETRY_MESSAGE = 'saga transaction failed; the batch is read again';

/**
 * How long a saga transaction may stay open before the broker's coordinator aborts it (kafkajs'
 * default is 60 s). It bounds what a paused or cut-off saga costs everyone else: its open
 * transaction spans the command partitions it was writing to, and the command processor reads
 * commands read_committed, so nothing behind it on those partitions is served (any client's
 * ReceiveStock included) until it ends. With the default, a saga paused for 30 s stopped an
 * inventory partition for the whole 30 s (fault tier (k)). A saga transaction takes milliseconds;
 * one that outlives this is aborted and its batch redone, never half-applied. The broker checks
 * for timed-out transactions every transaction.abort.timed.out.transaction.cleanup.interval.ms
 * (10 s by default, 5 s in our launcher and docker-compose.yml), which adds to this bound.
 */
const SAGA_TRANSACTION_TIMEOUT_MS = 10000;

/** A command record as the saga produces it (key = the aggregate id). */
type CommandMessage = { key: string; value: Buffer; headers: Record<string, string> };

/**
 * The fulfillment process manager. It keeps no state of its own: each reaction is a pure function
 * of one event (libs/domain fulfillment.process.ts), and the per-order progress lives in the
 * order's own stream. Consume → decide → produce commands + commit the input offsets is one Kafka
 * transaction per input batch, with a transactional id per input partition (a zombie is fenced),
 * so every event's commands are sent exactly once; command ids are derived from the order and
 * the step, so even a replayed step would be deduplicated by the command processor.
 */
@Injectable()
export class FulfillmentSagaService implements OnApplicationBootstrap, OnApplicationShutdown {
  private consumer?: SupervisedConsumer;
  private readonly producers = new Map<string, Promise<Producer>>();
  /** Consecutive failed transactions per input partition; fetched again in place, reported in /health. */
  private readonly failures: BatchRetries;
  private assignment: Record<string, number[]> | undefined;
  private readonly reactions;
  private readonly lag;
  private readonly metrics: Metrics;
  private readonly deadLetters: SagaDeadLetters;

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly logger: JsonLogger,
    private readonly health: HealthRegistry,
    metrics: Metrics,
  ) {
    this.metrics = metrics;
    this.reactions = metrics.counter('es_saga_commands_total', 'Commands sent by the fulfillment process', ['type']);
    // A single failure is routine under load (CONCURRENT_TRANSACTIONS after kafkajs' own retries).
    this.failures = new BatchRetries({ logger, firstFailureLevel: 'info' });
    this.deadLetters = new SagaDeadLetters({ config, logger, metrics, consumer: () => this.consumer?.current });
    this.lag = metrics.gauge('es_saga_batch_lag', 'Offset lag of the last batch per input partition', ['topic', 'partition']);
  }

  async onApplicationBootstrap(): Promise<void> {
    const ns = this.config.namespace;
    const groupId = groups.saga(ns);
    const inputs = [topics.events(ns, 'orders'), topics.events(ns, 'inventory')];
    const consumer = new SupervisedConsumer({
      name: 'fulfillment-saga',
      kafka: this.kafka,
      logger: this.logger,
      metrics: this.metrics,
      config: {
        groupId,
        readUncommitted: false,
        sessionTimeout: 10000,
        // kafkajs' default, under a third of the session timeout (idle cost: see the command processor).
        heartbeatInterval: 3000,
        // Fetch wait: SupervisedConsumer's LONG_POLL.
        allowAutoTopicCreation: false,
      },
      // The transactional producers belong to the old assignment: a new owner may have fenced them.
      onReset: () => this.forgetAssignment(),
      start: (c) => this.consume(c, groupId, inputs),
    });
    this.consumer = consumer;
    this.health.register(consumer.health());
    this.health.register(this.deadLetters.health());
    this.health.register(this.failures.health('saga-transactions'));
    await consumer.start();
    this.health.register({ name: 'saga-consumer', check: async () => ({ ok: this.assignment !== undefined, detail: this.assignment ?? 'joining' }) });
  }

  private async forgetAssignment(): Promise<void> {
    this.assignment = undefined;
    this.failures.clear();
    this.deadLetters.forget();
    const producers = [...this.producers.values()];
    this.producers.clear();
    await Promise.all(producers.map((p) => p.then((x) => x.disconnect()).catch(() => undefined)));
  }

  private async consume(consumer: Consumer, groupId: string, inputs: string[]): Promise<void> {
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.assignment = payload.memberAssignment;
      this.deadLetters.forget(payload.memberAssignment);
      this.failures.keepOnly(payload.memberAssignment);
      for (const [key, producer] of this.producers) {
        const [topic, partition] = splitKey(key);
        if (!(payload.memberAssignment[topic] ?? []).includes(partition)) {
          this.producers.delete(key);
          void producer.then((p) => p.disconnect()).catch(() => undefined);
        }
      }
      this.logger.event('info', 'partitions assigned', { assignment: payload.memberAssignment });
    });
    for (const topic of inputs) await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.config.topics.partitions * inputs.length,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        if (!isRunning() || isStale() || batch.messages.length === 0) return;
        // Held at a dead letter: a batch fetched before the pause must not slip past the record.
        if (this.deadLetters.isStopped(batch.topic, batch.partition)) return;
        const key = `${batch.topic}#${batch.partition}`;
        const from = { topic: batch.topic, partition: batch.partition, offset: batch.messages[0].offset };
        let producer: Producer;
        try {
          producer = await this.producerFor(key, batch.topic, batch.partition);
        } catch (error) {
          return this.failures.retry(consumer, from, error, RETRY_MESSAGE); // Kafka unreachable: connect failed
        }
        const envelopes: { topic: string; messages: CommandMessage[] }[] = [];
        // Offset of a record the partition stops at (dead letter, policy stop): committed up to it.
        let stopAt: number | undefined;
        for (const message of batch.messages) {
          if (!isRunning() || isStale()) return;
          const reaction = await this.react(batch.topic, batch.partition, message, heartbeat);
          if ('poison' in reaction) {
            if ((await this.deadLetters.open(reaction.poison)) === 'stop') {
              stopAt = Number(message.offset);
              break;
            }
            continue;
          }
          for (const command of reaction.planned) {
            envelopes.push({ topic: topics.commands(this.config.namespace, command.context), messages: [this.toMessage(command, reaction.event)] });
            this.reactions.inc({ type: command.command.type });
          }
        }
        const last = stopAt === undefined ? Number(batch.messages[batch.messages.length - 1].offset) : stopAt - 1;
        if (stopAt !== undefined) consumer.pause([{ topic: batch.topic, partitions: [batch.partition] }]);
        if (last < Number(batch.messages[0].offset)) return; // stopped at the batch's first record: nothing to commit
        let tx: Transaction | undefined;
        try {
          // kafkajs fences (InitProducerId with the transactional id) in a new producer's first
          // transaction(), not in connect(): after a failed batch that is here, and it can fail too
          // (CONCURRENT_TRANSACTIONS while the coordinator still aborts the last one).
          tx = await producer.transaction();
          // One produce call per partition, never one sendBatch over several (as the processor's
          // commits, docs/reliability.md): when one broker's part of a multi-broker request fails,
          // kafkajs retries with fresh metadata, and a partition whose leader moved onto a broker that
          // had already answered is skipped — the call succeeds without it and the order's command is
          // lost in a committed transaction (fault tier (a): orders left PENDING).
          for (const part of byPartition(envelopes, this.config.topics.partitions)) await tx.send({ acks: -1, ...part });
          await tx.sendOffsets({
            consumerGroupId: groupId,
            topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: String(last + 1) }] }],
          });
          await tx.commit();
        } catch (error) {
          await tx?.abort().catch(() => undefined);
          this.producers.delete(key);
          await producer.disconnect().catch(() => undefined);
          // Stopped at a dead letter: the partition is held there, and the records before it must not
          // wait for the operator — thrown, as before (the consumer is re-created and reads them again).
          if (stopAt !== undefined) throw error;
          return this.failures.retry(consumer, from, error, RETRY_MESSAGE);
        }
        this.failures.succeeded(batch.topic, batch.partition);
        await this.deadLetters.committed(batch.topic, batch.partition, last);
        resolveOffset(String(last));
        this.lag.set({ topic: batch.topic, partition: String(batch.partition) }, Number(batch.offsetLag()));
        await heartbeat();
      },
    });
  }

  /**
   * Decodes one record and plans its commands, with `maxAttempts` tries and back-off between them.
   * A record that still fails is poison: a malformed event must not stall the partition silently
   * (every later order of it would stay PENDING), so it becomes a dead letter.
   */
  private async react(
    topic: string,
    partition: number,
    message: KafkaMessage,
    heartbeat: () => Promise<void>,
  ): Promise<{ event: StoredEvent; planned: PlannedCommand[] } | { poison: PoisonRecord }> {
    let lastError: Error | undefined;
    for (let attempt = 1; attempt <= this.config.saga.maxAttempts; attempt++) {
      if (attempt > 1) {
        await sleep(Math.min(2000, 100 * 2 ** (attempt - 2)));
        await heartbeat();
      }
      try {
        const event = deserializeEvent({ value: message.value, topic, partition, offset: message.offset });
        return { event, planned: fulfillmentReactions({ type: event.type, data: event.payload, aggregateId: event.aggregateId, version: event.version }) };
      } catch (error) {
        lastError = error as Error;
      }
    }
    const { payload, eventType } = undecodableRecord(message);
    return {
      poison: {
        topic,
        partition,
        offset: Number(message.offset),
        eventType,
        error: lastError?.message ?? 'unknown error',
        payload,
      },
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
    await this.deadLetters.close();
    await Promise.all([...this.producers.values()].map((p) => p.then((x) => x.disconnect()).catch(() => undefined)));
  }

  private toMessage(planned: PlannedCommand, cause: StoredEvent): CommandMessage {
    const envelope: CommandEnvelope = {
      commandId: planned.commandId,
      type: planned.command.type,
      context: planned.context,
      aggregateId: planned.aggregateId,
      data: planned.command.data,
      correlationId: cause.correlationId,
      causationId: cause.eventId,
      fingerprint: commandFingerprint(planned.command.type, planned.aggregateId, planned.command.data),
      replyTo: null,
      sentAt: cause.occurredAt,
    };
    return { key: planned.aggregateId, value: encodeJson(envelope), headers: { type: envelope.type, 'command-id': envelope.commandId } };
  }

  private producerFor(key: string, topic: string, partition: number): Promise<Producer> {
    let producer = this.producers.get(key);
    if (!producer) {
      const created = this.kafka.producer({
        transactionalId: transactionalIds.saga(this.config.namespace, topic, partition),
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        transactionTimeout: SAGA_TRANSACTION_TIMEOUT_MS,
        retry: TRANSACTIONAL_RETRY,
      });
      producer = created.connect().then(() => created);
      producer.catch(() => this.producers.delete(key));
      this.producers.set(key, producer);
    }
    return producer;
  }
}

/** The commands grouped by topic and partition (the producers' partitioner), in order, each message pinned to its partition. */
function byPartition(batches: { topic: string; messages: CommandMessage[] }[], partitions: number) {
  const parts = new Map<string, { topic: string; messages: (CommandMessage & { partition: number })[] }>();
  for (const b of batches) {
    for (const m of b.messages) {
      const partition = partitionForKey(m.key, partitions);
      const id = `${b.topic}#${partition}`;
      let part = parts.get(id);
      if (!part) parts.set(id, (part = { topic: b.topic, messages: [] }));
      part.messages.push({ ...m, partition });
    }
  }
  return [...parts.values()];
}
