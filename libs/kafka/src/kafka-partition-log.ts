import { randomUUID } from 'node:crypto';
import type { Admin, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { BoundedContext } from '@es/domain';
import type { JsonLogger } from '@es/common';
import {
  AddressedReply,
  AggregateRecord,
  decodeJson,
  encodeJson,
  encodePosition,
  EventRecord,
  INPUT_OFFSET_KEY,
  OUTCOME_KEY_PREFIX,
  OutcomeRecord,
  OutcomeSnapshot,
  snapshotBucketOf,
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

/** A partition read (restore, rebuild) tries this many consumers before it fails. */
const READ_ATTEMPTS = 5;
/** A read whose consumer delivers no batch for this long starts over with a new consumer. */
const READ_STALL_MS = 20000;

/** Key of the records a new owner writes to mark "everything before this is what I restore". */
export const RESTORE_MARKER_KEY = '__restore_marker__';

export interface KafkaPartitionLogOptions {
  readonly namespace: string;
  readonly context: BoundedContext;
  readonly partition: number;
  /** The context's current state version, written into the restore marker (for operators reading the topic). */
  readonly stateVersion?: number;
  /**
   * The command consumer group. Not written by the log any more: the consumed offset travels in the
   * state partition (INPUT_OFFSET_KEY); kept for callers that still pass it.
   */
  readonly consumerGroupId?: string;
  readonly logger?: JsonLogger;
  /** Keeps the command consumer's group session alive during a long restore. */
  readonly heartbeat?: () => Promise<void>;
  /** Observes the duration of each phase of a commit, in seconds (events + state records, commit). */
  readonly observePhase?: (phase: 'append' | 'commit', seconds: number) => void;
  /** Sends replies (non-transactional, shared by the instance's partitions). */
  readonly replyProducer?: Producer;
  /** Test seam: runs after the append, before the commit; a throw aborts. */
  readonly beforeCommit?: () => void | Promise<void>;
  /**
   * Test seam: asked after each record a partition read visits (with the next offset to read); true
   * ends that read attempt as a crash of its consumer would.
   */
  readonly interruptRead?: (nextOffset: number) => boolean;
}

/**
 * Partition p of a context, as its single writer sees it: events go to `<ns>.<ctx>.events` p, the
 * aggregates' latest records and the next command offset to consume to the compacted
 * `<ns>.<ctx>.state` p, all in one Kafka transaction (replies follow it). The transactional id is derived from the
 * partition, so restoring this log fences any previous owner (a zombie's open transaction is
 * aborted and its later writes are refused).
 */
export class KafkaPartitionLog implements PartitionLog {
  readonly partition: number;
  private readonly producer: Producer;
  private readonly eventsTopic: string;
  private readonly stateTopic: string;
  private readonly repliesTopic: string;

  private constructor(
    private readonly kafka: Kafka,
    private readonly options: KafkaPartitionLogOptions,
  ) {
    this.partition = options.partition;
    this.eventsTopic = topics.events(options.namespace, options.context);
    this.stateTopic = topics.state(options.namespace, options.context);
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

  /**
   * A log that only reads (verify-state): its producer is never connected, so it fences nobody and
   * can run beside the partition's owner. restore() and commit() must not be called on it.
   */
  static reader(kafka: Kafka, options: KafkaPartitionLogOptions): KafkaPartitionLog {
    return new KafkaPartitionLog(kafka, options);
  }

  /**
   * Connects the transactional producer. kafkajs' connect() only gets a producer id from the
   * controller; the fencing InitProducerId (with the transactional id) is its first transaction(),
   * which is restore()'s marker — the first thing every owner does, before it reads anything.
   */
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
        messages: [{ key: RESTORE_MARKER_KEY, value: encodeJson({ token, stateVersion: this.options.stateVersion ?? null }), partition: this.partition }],
      });
      await tx.commit();
    } catch (error) {
      await tx.abort().catch(() => undefined);
      throw error;
    }
    const { aggregates, outcomes, snapshots, undecodable, nextInputOffset } = await this.readStateUntil(token);
    const last = (await this.endOffset(this.eventsTopic)) - 1;
    const end = last >= 0 ? { offset: last, token: encodePosition({ context: this.options.context, partition: this.partition, offset: String(last) }) } : null;
    return resolveRestored(aggregates, [...outcomes.values()], [...snapshots.values()], end, undecodable, nextInputOffset);
  }

  async commit(commit: PartitionCommit): Promise<readonly string[]> {
    const observe = this.options.observePhase;
    let mark = performance.now();
    const phase = (name: 'append' | 'commit') => {
      const now = performance.now();
      observe?.(name, (now - mark) / 1000);
      mark = now;
    };
    const tx = await this.producer.transaction();
    try {
      let positions: string[] = [];
      // One partition per produce call, never one sendBatch over both topics. kafkajs' sendMessages
      // retries a multi-broker request while a request to the other broker may still be in flight;
      // when that one then succeeds, the retry re-sends its batch with fresh sequence numbers and
      // the broker appends it twice (seen in the 3-broker fault tier: events doubled inside one
      // transaction during a leader failover). A single-partition call has one broker per attempt.
      // Cost: one more round trip per commit; gain: the state records, sent after the events, carry
      // the events' exact positions.
      if (commit.events.length > 0) {
        const [events] = await tx.send({
          topic: this.eventsTopic,
          acks: -1,
          messages: commit.events.map((e) => ({ ...serializeEvent(e), partition: this.partition })),
        });
        if (!events || events.partition !== this.partition) throw new Error(`no produce result for ${this.eventsTopic}[${this.partition}]`);
        // One record batch per partition makes the events' offsets contiguous from baseOffset.
        const base = BigInt(events.baseOffset ?? events.offset ?? '0');
        positions = commit.events.map((_, i) => encodePosition({ context: this.options.context, partition: this.partition, offset: String(base + BigInt(i)) }));
      }
      const state = commit.stateFor ? commit.stateFor(positions) : { records: commit.records, outcomes: commit.outcomes };
      const stateMessages = [
        ...state.records.map((r) => ({ key: r.aggregateId, value: encodeJson(r), partition: this.partition })),
        ...(state.outcomes ? [{ key: state.outcomes.key, value: encodeJson(state.outcomes), partition: this.partition }] : []),
        ...(commit.forgetOutcomes ?? []).map((key) => ({ key, value: null, partition: this.partition })),
        // Exactly-once input: the consumed offset commits or aborts with the events it produced. It
        // used to be a transactional offset commit to the consumer group (AddOffsetsToTxn, then
        // TxnOffsetCommit to the group coordinator, and one more partition for EndTxn to mark).
        ...(commit.nextInputOffset !== undefined
          ? [{ key: INPUT_OFFSET_KEY, value: encodeJson({ nextInputOffset: commit.nextInputOffset }), partition: this.partition }]
          : []),
      ];
      if (stateMessages.length > 0) await tx.send({ topic: this.stateTopic, acks: -1, messages: stateMessages });
      // A sealed bucket's chunks are MBs each: one produce request (one record batch) apiece.
      for (const snapshot of commit.outcomeSnapshots ?? []) {
        await tx.send({ topic: this.stateTopic, acks: -1, messages: [{ key: snapshot.key, value: snapshot.data, partition: this.partition }] });
      }
      phase('append');
      await this.options.beforeCommit?.();
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

  async readEvents(visit: (record: EventRecord) => void, onProgress?: (offset: number, end: number) => void): Promise<void> {
    const end = await this.endOffset(this.eventsTopic);
    if (end === 0) return;
    const last = end - 1;
    await this.readPartition(
      this.eventsTopic,
      'rebuild',
      (message) => {
        visit({ offset: message.offset, key: message.key ? message.key.toString('utf8') : null, value: message.value });
        onProgress?.(Number(message.offset), end);
        return Number(message.offset) >= last;
      },
      last,
    );
  }

  /**
   * The state partition's aggregate records up to its current end, without a marker (read-only: the
   * owner may still be writing; a record of an in-flight commit may or may not be included).
   */
  async readCommittedState(): Promise<{ aggregates: Map<string, AggregateRecord>; undecodable: string[] }> {
    const end = await this.endOffset(this.stateTopic);
    const { aggregates, broken } = await this.readState(end === 0 ? undefined : { lastOffset: end - 1 });
    return { aggregates, undecodable: [...broken] };
  }

  /** The state partition from its start up to our marker, sorted into aggregates and outcome records. */
  private async readStateUntil(token: string) {
    const started = Date.now();
    const { aggregates, outcomes, snapshots, broken, seen, input } = await this.readState({ token });
    this.options.logger?.event('info', 'partition restored', {
      context: this.options.context,
      partition: this.partition,
      aggregates: aggregates.size,
      outcomeRecords: outcomes.size,
      outcomeSnapshots: snapshots.size,
      undecodable: broken.size,
      recordsRead: seen,
      ms: Date.now() - started,
    });
    return { aggregates, outcomes, snapshots, undecodable: broken.size, nextInputOffset: input.next };
  }

  private async readState(until?: { token: string } | { lastOffset: number }) {
    const records = new Map<string, AggregateRecord>();
    const outcomes = new Map<string, OutcomeRecord>();
    const broken = new Set<string>();
    const snapshots = new Map<string, OutcomeSnapshot>();
    const input: { next?: string } = {};
    const keep = (key: string, message: KafkaMessage) => {
      if (key === INPUT_OFFSET_KEY) {
        const next = decodeJson<{ nextInputOffset?: unknown }>(message.value)?.nextInputOffset;
        input.next = typeof next === 'string' && /^\d+$/.test(next) ? next : undefined;
        return;
      }
      const bucket = snapshotBucketOf(key);
      if (bucket !== undefined) {
        if (message.value === null) snapshots.delete(key);
        else snapshots.set(key, { key, bucket, data: message.value });
        return;
      }
      if (key.startsWith(OUTCOME_KEY_PREFIX)) {
        const outcome = message.value === null ? undefined : decodeJson<OutcomeRecord>(message.value);
        if (outcome) outcomes.set(key, outcome);
        else outcomes.delete(key);
        return;
      }
      if (message.value === null) {
        records.delete(key);
        broken.delete(key);
        return;
      }
      const record = decodeJson<AggregateRecord>(message.value);
      // A record that does not decode is not skipped: the aggregate would come back brand new (and
      // accept a second RegisterProduct). It is counted, and the owner rebuilds from the events.
      if (record && typeof record === 'object' && record.aggregateId === key && Number.isInteger(record.version)) {
        records.set(key, record);
        broken.delete(key);
      } else {
        records.delete(key);
        broken.add(key);
      }
    };
    if (until === undefined) return { aggregates: records, outcomes, snapshots, broken, seen: 0, input };
    const last = 'lastOffset' in until ? until.lastOffset : undefined;
    const seen = await this.readPartition(
      this.stateTopic,
      'restore',
      (message) => {
        const key = message.key?.toString() ?? '';
        if (last !== undefined && Number(message.offset) >= last) {
          if (key !== RESTORE_MARKER_KEY) keep(key, message);
          return true;
        }
        if (key === RESTORE_MARKER_KEY) return 'token' in until && decodeJson<{ token: string }>(message.value)?.token === until.token;
        keep(key, message);
        return false;
      },
      last,
    );
    return { aggregates: records, outcomes, snapshots, broken, seen, input };
  }

  private async endOffset(topic: string): Promise<number> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      return Number((await admin.fetchTopicOffsets(topic)).find((o) => o.partition === this.partition)?.high ?? '0');
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  /**
   * Reads partition p of a topic from its start, read_committed, until `visit` returns true (or,
   * with `lastOffset`, until a batch of nothing but transaction markers or aborted records reaches
   * it). kafkajs has no manual assignment, so a throwaway consumer group reads the topic and pauses
   * every other partition.
   *
   * A read that is interrupted (its consumer crashed: a broker died under it) or that stalls goes on
   * with a NEW group from the offset after the last one visited: kafkajs would restart the crashed
   * consumer in the same group as a new member, and the coordinator would hold that join until the
   * dead member's session expired (30 s) — a restore, and every command of its partition, waiting on it.
   */
  private async readPartition(topic: string, purpose: string, visit: (message: KafkaMessage) => boolean, lastOffset?: number): Promise<number> {
    const progress = { next: 0, seen: 0 };
    for (let attempt = 1; ; attempt++) {
      try {
        await this.readPartitionOnce(topic, purpose, visit, progress, lastOffset);
        return progress.seen;
      } catch (error) {
        if (attempt >= READ_ATTEMPTS) throw error;
        this.options.logger?.event('warn', 'partition read interrupted; reading on with a new consumer', {
          topic,
          partition: this.partition,
          purpose,
          fromOffset: progress.next,
          attempt,
          error: (error as Error).message,
        });
        await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 250 * 2 ** attempt)));
      }
    }
  }

  private async readPartitionOnce(
    topic: string,
    purpose: string,
    visit: (message: KafkaMessage) => boolean,
    progress: { next: number; seen: number },
    lastOffset?: number,
  ): Promise<void> {
    const groupId = `${this.options.namespace}.${purpose}.${this.options.context}.${this.partition}.${randomUUID()}`;
    const consumer = this.kafka.consumer({
      groupId,
      readUncommitted: false,
      sessionTimeout: 30000,
      heartbeatInterval: 3000,
      maxWaitTimeInMs: 100,
      maxBytesPerPartition: 8 * 1024 * 1024,
      // A crash ends this attempt (see readPartition) instead of a restart in the same group.
      retry: { restartOnFailure: async () => false },
    });
    let finish: () => void = () => undefined;
    let fail: (e: Error) => void = () => undefined;
    const done = new Promise<void>((resolve, reject) => {
      finish = resolve;
      fail = reject;
    });
    // No batch for this long (the group never formed, or fetches go nowhere): give up this attempt.
    let stall: NodeJS.Timeout | undefined;
    const armStall = () => {
      clearTimeout(stall);
      stall = setTimeout(() => fail(new Error(`no records for ${READ_STALL_MS} ms`)), READ_STALL_MS);
    };
    const keepAlive = this.options.heartbeat ? setInterval(() => void this.options.heartbeat?.().catch(() => undefined), 2000) : undefined;
    let finished = false;
    try {
      armStall();
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      consumer.on(consumer.events.CRASH, (e) => fail(e.payload.error));
      if (lastOffset !== undefined) {
        consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
          if (payload.partition === this.partition && payload.lastOffset !== null && Number(payload.lastOffset) >= lastOffset) {
            finished = true;
            finish();
          }
        });
      }
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: true,
        eachBatch: async ({ batch, pause }) => {
          if (batch.partition !== this.partition) {
            pause();
            return;
          }
          armStall();
          for (const message of batch.messages) {
            // A later attempt may be handed records an earlier one visited already (before its seek).
            if (finished || Number(message.offset) < progress.next) continue;
            progress.next = Number(message.offset) + 1;
            progress.seen += 1;
            if (visit(message)) {
              finished = true;
              finish();
              return;
            }
            if (this.options.interruptRead?.(progress.next)) {
              fail(new Error('read interrupted (test seam)'));
              return;
            }
          }
        },
      });
      if (progress.next > 0) consumer.seek({ topic, partition: this.partition, offset: String(progress.next) });
      await done;
    } finally {
      clearTimeout(stall);
      if (keepAlive) clearInterval(keepAlive);
      await consumer.disconnect().catch(() => undefined);
      void this.deleteGroup(groupId);
    }
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
