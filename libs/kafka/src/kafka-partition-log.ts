import { randomUUID } from 'node:crypto';
import type { Admin, Kafka, Producer } from 'kafkajs';
import type { BoundedContext } from '@es/domain';
import type { JsonLogger } from '@es/common';
import {
  AddressedReply,
  AggregateRecord,
  decodeJson,
  encodeJson,
  encodePosition,
  OUTCOME_KEY_PREFIX,
  OutcomeRecord,
  PartitionCommit,
  PartitionLog,
  resolveRestored,
  RestoredPartition,
  serializeEvent,
} from '@es/event-store';
import { topics, transactionalIds } from './topics';

/**
 * Right after a commit the coordinator is still writing the transaction markers and answers the next
 * transaction's AddPartitionsToTxn with CONCURRENT_TRANSACTIONS for a few milliseconds. kafkajs'
 * default first back-off (300 ms) turned that into a 300 ms stall per transaction; start at 2 ms.
 */
export const TRANSACTIONAL_RETRY = { retries: 12, initialRetryTime: 2, maxRetryTime: 2000 } as const;

/** Key of the records a new owner writes to mark "everything before this is what I restore". */
export const RESTORE_MARKER_KEY = '__restore_marker__';

export interface KafkaPartitionLogOptions {
  readonly namespace: string;
  readonly context: BoundedContext;
  readonly partition: number;
  /** Consumer group whose command offsets are committed inside each transaction. */
  readonly consumerGroupId: string;
  readonly logger?: JsonLogger;
  /** Keeps the command consumer's group session alive during a long restore. */
  readonly heartbeat?: () => Promise<void>;
  /** Observes the duration of each phase of a commit, in seconds (events, records+replies, offsets, commit). */
  readonly observePhase?: (phase: 'append' | 'offsets' | 'commit', seconds: number) => void;
  /** Sends replies (non-transactional, shared by the instance's partitions). */
  readonly replyProducer?: Producer;
  /** Test seam: runs after the append, before the offsets and the commit; a throw aborts. */
  readonly beforeCommit?: () => void | Promise<void>;
}

/**
 * Partition p of a context, as its single writer sees it: events go to `<ns>.<ctx>.events` p, the
 * aggregates' latest records to the compacted `<ns>.<ctx>.state` p, replies and the consumed
 * command offsets ride in the same Kafka transaction. The transactional id is derived from the
 * partition, so opening this log fences any previous owner (a zombie's open transaction is
 * aborted and its later writes are refused).
 */
export class KafkaPartitionLog implements PartitionLog {
  readonly partition: number;
  private readonly producer: Producer;
  private readonly eventsTopic: string;
  private readonly stateTopic: string;
  private readonly commandsTopic: string;
  private readonly repliesTopic: string;

  private constructor(private readonly kafka: Kafka, private readonly options: KafkaPartitionLogOptions) {
    this.partition = options.partition;
    this.eventsTopic = topics.events(options.namespace, options.context);
    this.stateTopic = topics.state(options.namespace, options.context);
    this.commandsTopic = topics.commands(options.namespace, options.context);
    this.repliesTopic = topics.replies(options.namespace);
    this.producer = kafka.producer({
      transactionalId: transactionalIds.commandProcessor(options.namespace, options.context, options.partition),
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      transactionTimeout: 30000,
      retry: TRANSACTIONAL_RETRY,
    });
  }

  /** Connecting a transactional producer runs InitProducerId: this is the fencing step. */
  static async open(kafka: Kafka, options: KafkaPartitionLogOptions): Promise<KafkaPartitionLog> {
    const log = new KafkaPartitionLog(kafka, options);
    await log.producer.connect();
    return log;
  }

  async restore(): Promise<RestoredPartition> {
    const token = randomUUID();
    // A committed marker after fencing: everything before it in the partition is decided
    // (committed or aborted), so reading up to it yields exactly the committed state.
    const tx = await this.producer.transaction();
    try {
      await tx.send({
        topic: this.stateTopic,
        acks: -1,
        messages: [{ key: RESTORE_MARKER_KEY, value: encodeJson({ token }), partition: this.partition }],
      });
      await tx.commit();
    } catch (error) {
      await tx.abort().catch(() => undefined);
      throw error;
    }
    const { aggregates, outcomes } = await this.readStateUntil(token);
    const admin = this.kafka.admin();
    await admin.connect();
    const high = (await admin.fetchTopicOffsets(this.eventsTopic)).find((o) => o.partition === this.partition)?.high ?? '0';
    await admin.disconnect();
    const last = BigInt(high) - 1n;
    const end = last >= 0n ? { offset: Number(last), token: encodePosition({ context: this.options.context, partition: this.partition, offset: String(last) }) } : null;
    return resolveRestored(aggregates, [...outcomes.values()], end);
  }

  async commit(commit: PartitionCommit): Promise<readonly string[]> {
    const observe = this.options.observePhase;
    let mark = performance.now();
    const phase = (name: 'append' | 'offsets' | 'commit') => {
      const now = performance.now();
      observe?.(name, (now - mark) / 1000);
      mark = now;
    };
    const tx = await this.producer.transaction();
    try {
      let positions: string[] = [];
      // Events and records in one produce request: one AddPartitionsToTxn and one Produce round trip.
      const topicMessages = [];
      if (commit.events.length > 0) {
        topicMessages.push({ topic: this.eventsTopic, messages: commit.events.map((e) => ({ ...serializeEvent(e), partition: this.partition })) });
      }
      const stateMessages = [
        ...commit.records.map((r) => ({ key: r.aggregateId, value: encodeJson(r), partition: this.partition })),
        ...(commit.outcomes ? [{ key: commit.outcomes.key, value: encodeJson(commit.outcomes), partition: this.partition }] : []),
        ...(commit.forgetOutcomes ?? []).map((key) => ({ key, value: null, partition: this.partition })),
      ];
      if (stateMessages.length > 0) topicMessages.push({ topic: this.stateTopic, messages: stateMessages });
      if (topicMessages.length > 0) {
        const written = await tx.sendBatch({ acks: -1, topicMessages });
        if (commit.events.length > 0) {
          const events = written.find((m) => m.topicName === this.eventsTopic && m.partition === this.partition);
          if (!events) throw new Error(`no produce result for ${this.eventsTopic}[${this.partition}]`);
          // One record batch per partition makes the events' offsets contiguous from baseOffset.
          const base = BigInt(events.baseOffset ?? events.offset ?? '0');
          positions = commit.events.map((_, i) =>
            encodePosition({ context: this.options.context, partition: this.partition, offset: String(base + BigInt(i)) }),
          );
        }
      }
      phase('append');
      await this.options.beforeCommit?.();
      if (commit.nextInputOffset !== undefined) {
        await tx.sendOffsets({
          consumerGroupId: this.options.consumerGroupId,
          topics: [{ topic: this.commandsTopic, partitions: [{ partition: this.partition, offset: commit.nextInputOffset }] }],
        });
      }
      phase('offsets');
      await tx.commit();
      phase('commit');
      return positions;
    } catch (error) {
      await tx.abort().catch(() => undefined);
      throw error;
    }
  }

  async reply(replies: readonly AddressedReply[]): Promise<void> {
    if (replies.length === 0 || !this.options.replyProducer) return;
    await this.options.replyProducer.send({
      topic: this.repliesTopic,
      acks: 1,
      messages: replies.map((r) => ({ key: r.replyTo, value: encodeJson(r.reply), headers: { 'reply-to': r.replyTo } })),
    });
  }

  async close(): Promise<void> {
    await this.producer.disconnect().catch(() => undefined);
  }

  /**
   * Reads the compacted state partition from its start up to our marker. kafkajs has no manual
   * assignment, so a throwaway consumer group reads the topic and pauses every other partition.
   */
  private async readStateUntil(token: string): Promise<{ aggregates: Map<string, AggregateRecord>; outcomes: Map<string, OutcomeRecord> }> {
    const records = new Map<string, AggregateRecord>();
    const outcomes = new Map<string, OutcomeRecord>();
    const groupId = `${this.options.namespace}.restore.${this.options.context}.${this.partition}.${token}`;
    const consumer = this.kafka.consumer({
      groupId,
      readUncommitted: false,
      sessionTimeout: 30000,
      heartbeatInterval: 3000,
      maxWaitTimeInMs: 100,
      maxBytesPerPartition: 8 * 1024 * 1024,
    });
    let finish: () => void = () => undefined;
    let fail: (e: Error) => void = () => undefined;
    const done = new Promise<void>((resolve, reject) => {
      finish = resolve;
      fail = reject;
    });
    const keepAlive = this.options.heartbeat ? setInterval(() => void this.options.heartbeat?.().catch(() => undefined), 2000) : undefined;
    const started = Date.now();
    let seen = 0;
    try {
      await consumer.connect();
      await consumer.subscribe({ topic: this.stateTopic, fromBeginning: true });
      // kafkajs restarts the consumer itself after a retriable crash (a coordinator still loading on
      // a fresh broker, say): only a crash it gives up on fails the restore.
      consumer.on(consumer.events.CRASH, (e) => {
        if (!e.payload.restart) fail(e.payload.error);
      });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: true,
        eachBatch: async ({ batch, pause }) => {
          if (batch.partition !== this.partition) {
            pause();
            return;
          }
          for (const message of batch.messages) {
            seen += 1;
            const key = message.key?.toString() ?? '';
            if (key === RESTORE_MARKER_KEY) {
              if (decodeJson<{ token: string }>(message.value)?.token === token) {
                finish();
                return;
              }
              continue;
            }
            if (key.startsWith(OUTCOME_KEY_PREFIX)) {
              if (message.value === null) outcomes.delete(key);
              else {
                const outcome = decodeJson<OutcomeRecord>(message.value);
                if (outcome) outcomes.set(key, outcome);
              }
            } else if (message.value === null) records.delete(key);
            else {
              const record = decodeJson<AggregateRecord>(message.value);
              if (record) records.set(key, record);
            }
          }
        },
      });
      await done;
    } finally {
      if (keepAlive) clearInterval(keepAlive);
      await consumer.disconnect().catch(() => undefined);
      void this.deleteGroup(groupId);
    }
    this.options.logger?.event('info', 'partition restored', {
      context: this.options.context,
      partition: this.partition,
      aggregates: records.size,
      outcomeRecords: outcomes.size,
      recordsRead: seen,
      ms: Date.now() - started,
    });
    return { aggregates: records, outcomes };
  }

  private async deleteGroup(groupId: string): Promise<void> {
    const admin: Admin = this.kafka.admin();
    try {
      await admin.connect();
      await admin.deleteGroups([groupId]);
    } catch {
      // Groups without committed offsets expire on their own; this is only tidiness.
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}
