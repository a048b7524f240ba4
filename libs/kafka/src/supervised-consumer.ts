import type { Consumer, ConsumerConfig, Kafka } from 'kafkajs';
import type { HealthIndicator, HealthResult, JsonLogger, Metrics } from '@es/common';
import { DEFAULT_CLIENT_RETRY } from './kafka-client.factory';

export interface SupervisedConsumerOptions {
  /** Names the consumer in logs, `/health` (`consumer:<name>`) and metrics (`consumer` label). */
  readonly name: string;
  readonly kafka: Kafka;
  /**
   * Fetch settings default to LONG_POLL. A function is asked again for each new consumer: a consumer
   * that may start in a new group each time (a private group, read from the latest offset) then never
   * waits for its own dead member after a crash.
   */
  readonly config: ConsumerConfig | (() => ConsumerConfig);
  /**
   * Attaches the event handlers, subscribes and calls `run()` on a fresh consumer (already
   * connected). Called again with a new consumer after every restart, so everything tied to a
   * consumer instance must be set up here.
   */
  readonly start: (consumer: Consumer) => Promise<void>;
  /**
   * Forgets the state tied to the consumer that just died (partition processors, producers,
   * checkpoints read for an assignment): the next assignment may differ and must start clean.
   */
  readonly onReset?: () => Promise<void> | void;
  readonly logger?: JsonLogger;
  readonly metrics?: Metrics;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
}

type State = 'starting' | 'consuming' | 'restarting' | 'stopped';

/**
 * Fetch settings of every long-running consumer: a long poll. The broker answers a fetch as soon as
 * one byte is there (minBytes 1), and holds an empty one for up to a second instead of answering it
 * after a few milliseconds: an idle consumer sends one fetch a second rather than ~200, and a
 * command or an event that arrives is delivered at once (the broker completes the waiting fetch on
 * append). Under load, batches still form on their own: records that arrive while the previous
 * batch is processed are all in the next fetch. kafkajs heartbeats between fetches, so the wait
 * must stay well below every group's session timeout (6 s at the lowest here).
 */
export const LONG_POLL = { minBytes: 1, maxWaitTimeInMs: 1000 } as const;

/**
 * How old a consumer's metadata may get before its next fetch asks for it again (kafkajs: 5 min).
 * A consumer that gets no error never asks otherwise, and a broker cut off from the rest of the
 * cluster (a network partition; clients still reach it) answers every fetch, empty, as the leader
 * it no longer is: the projectors read nothing from the partitions it had led for as long as the
 * partition lasted (fault tier (l): two partitions' reads waited the whole 30 s). Asked again, the
 * other brokers name the new leaders (patchKafkajsBrokerChoice never asks the same broker twice in
 * a row). One metadata request per consumer every few seconds costs nothing measurable.
 */
export const CONSUMER_METADATA_MAX_AGE_MS = 5000;

/**
 * How long a consumer keeps retrying before kafkajs gives up on it: the client's retry (~16 s), not
 * kafkajs' consumer default of 5 retries (~3 s). A consumer that gives up is re-created as a NEW
 * group member, and the coordinator holds that join until the old member's session expires (10 s);
 * one that rides out a broker restart keeps its member id and rejoins at once (a coordinator that
 * moved answers NOT_COORDINATOR, which kafkajs handles by rejoining). Measured in the 3-broker fault
 * tier: processors that crashed came back 16 s after the crash.
 */
export const CONSUMER_RETRY = DEFAULT_CLIENT_RETRY;

/**
 * A kafkajs consumer that never dies silently. kafkajs restarts a crashed consumer on its own only
 * when the cause is retriable; after a broker restart it regularly crashes for good with a
 * non-retriable error ("Failed to find group coordinator"), leaving a process that looks healthy
 * and consumes nothing. Here any crash that kafkajs does not restart itself, and any failed
 * connect/subscribe/run, disconnects the consumer and builds a new one with exponential back-off.
 * While it is not consuming, its health check fails and `es_consumer_up{consumer}` is 0.
 */
export class SupervisedConsumer {
  private consumer?: Consumer;
  private state: State = 'starting';
  private lastError?: string;
  private restarts = 0;
  private attempt = 0;
  private timer?: NodeJS.Timeout;
  private restarting?: Promise<void>;
  /** Crashed for good while a restart was launching it (a failed join): launch again. */
  private crashedWhileRestarting = false;
  private readonly up;
  private readonly restartsTotal;

  constructor(private readonly options: SupervisedConsumerOptions) {
    this.up = options.metrics?.gauge('es_consumer_up', 'Whether the consumer is joined and consuming (1) or crashed/restarting (0)', ['consumer']);
    this.restartsTotal = options.metrics?.counter('es_consumer_restarts_total', 'Consumers re-created after a crash or a failed start', ['consumer']);
    this.setState('starting');
  }

  get name(): string {
    return this.options.name;
  }

  /** The live consumer instance (changes after a restart), for seek/pause/commitOffsets. */
  get current(): Consumer | undefined {
    return this.consumer;
  }

  isConsuming(): boolean {
    return this.state === 'consuming';
  }

  /**
   * The first start; it throws if the broker cannot be reached (boot fails loudly, as before).
   * From then on crashes are supervised.
   */
  async start(): Promise<void> {
    try {
      await this.launch();
    } catch (error) {
      await this.consumer?.disconnect().catch(() => undefined);
      this.consumer = undefined;
      throw error;
    }
  }

  async stop(): Promise<void> {
    this.setState('stopped');
    if (this.timer) clearTimeout(this.timer);
    await this.restarting?.catch(() => undefined);
    await this.consumer?.disconnect().catch(() => undefined);
    this.consumer = undefined;
    // A stopped consumer (an old projection version after a switch) is gone, not down: no series.
    this.up?.remove({ consumer: this.options.name });
  }

  health(): HealthIndicator {
    return {
      name: `consumer:${this.options.name}`,
      check: async (): Promise<HealthResult> => ({
        ok: this.state === 'consuming',
        detail: { state: this.state, restarts: this.restarts, lastError: this.lastError ?? null },
      }),
    };
  }

  private async launch(): Promise<void> {
    const config = typeof this.options.config === 'function' ? this.options.config() : this.options.config;
    const consumer = this.options.kafka.consumer({ ...LONG_POLL, metadataMaxAge: CONSUMER_METADATA_MAX_AGE_MS, retry: CONSUMER_RETRY, ...config });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, () => {
      if (this.consumer !== consumer || this.state === 'stopped') return;
      this.attempt = 0;
      this.setState('consuming');
    });
    // Records between the end of each fetched batch and the partition's high watermark, as kafkajs
    // reports it per batch: the consumer lag of every Kafka consumer (processor, saga, projectors).
    const lag = this.options.metrics?.gauge('es_consumer_lag_records', 'Records behind the high watermark after the last batch, per consumer and partition', [
      'consumer',
      'topic',
      'partition',
    ]);
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      if (this.consumer === consumer)
        lag?.set({ consumer: this.options.name, topic: payload.topic, partition: String(payload.partition) }, Math.max(0, Number(payload.offsetLag)));
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (this.consumer !== consumer || this.state === 'stopped') return;
      this.lastError = describe(payload.error);
      this.options.logger?.event('error', 'Kafka consumer crashed', {
        consumer: this.options.name,
        groupId: payload.groupId,
        error: this.lastError,
        restartedByKafkajs: payload.restart,
      });
      // kafkajs restarts retriable crashes itself: the same instance re-joins, which is a rebalance
      // for the owner's GROUP_JOIN handler (moved partitions dropped, fencing covers the rest).
      // Otherwise the consumer is re-created, and onReset forgets everything tied to it first.
      this.setState('restarting');
      if (payload.restart) return;
      if (this.restarting) this.crashedWhileRestarting = true;
      else this.scheduleRestart();
    });
    await consumer.connect();
    await this.options.start(consumer);
  }

  private scheduleRestart(): void {
    if (this.state === 'stopped' || this.timer || this.restarting) return;
    this.setState('restarting');
    const initial = this.options.initialBackoffMs ?? 500;
    const delay = Math.min(this.options.maxBackoffMs ?? 15000, initial * 2 ** this.attempt);
    this.attempt++;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.restarting = this.restart().finally(() => (this.restarting = undefined));
    }, delay);
    this.timer.unref();
  }

  private async restart(): Promise<void> {
    const previous = this.consumer;
    this.consumer = undefined;
    await previous?.disconnect().catch(() => undefined);
    await Promise.resolve(this.options.onReset?.()).catch(() => undefined);
    if (this.isStopped()) return;
    this.restarts++;
    this.restartsTotal?.inc({ consumer: this.options.name });
    this.options.logger?.event('warn', 'restarting Kafka consumer', { consumer: this.options.name, restart: this.restarts });
    this.crashedWhileRestarting = false;
    try {
      await this.launch();
      if (this.crashedWhileRestarting && !this.isStopped()) {
        this.restarting = undefined;
        this.scheduleRestart();
      }
    } catch (error) {
      this.lastError = describe(error);
      this.options.logger?.event('error', 'Kafka consumer restart failed; retrying', { consumer: this.options.name, error: this.lastError });
      const failed = this.consumer as Consumer | undefined;
      this.consumer = undefined;
      await failed?.disconnect().catch(() => undefined);
      if (this.isStopped()) return;
      this.restarting = undefined;
      this.scheduleRestart();
    }
  }

  private isStopped(): boolean {
    return this.state === 'stopped';
  }

  private setState(state: State): void {
    this.state = state;
    this.up?.set({ consumer: this.options.name }, state === 'consuming' ? 1 : 0);
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.name}: ${error.message} (cause: ${cause.name}: ${cause.message})` : `${error.name}: ${error.message}`;
}

/** Kafka's answers that say another producer now owns the transactional id (kafkajs 2.2.4 names; 90 = PRODUCER_FENCED, unknown to it). */
const FENCED_TYPES = new Set(['INVALID_PRODUCER_EPOCH', 'TRANSACTION_COORDINATOR_FENCED']);

/** Whether a failed transaction was fenced by a new owner of its transactional id (anywhere in the cause chain). */
export function isFenced(error: unknown): boolean {
  for (let e = error as { type?: string; code?: number; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if ((e.type && FENCED_TYPES.has(e.type)) || e.code === 90) return true;
  }
  return false;
}

/** Consecutive failed batches of one partition after which the consumer's `/health` check fails. */
export const UNHEALTHY_AFTER_FAILURES = 3;

export interface BatchPosition {
  readonly topic: string;
  readonly partition: number;
  /** The first record of the failed batch: the next fetch starts here. */
  readonly offset: string;
}

/**
 * The batches of one consumer whose transactions failed for a reason of Kafka's (broker gone,
 * coordinator moved, a replica short, a transaction refused), per partition: each is given back to
 * kafkajs without crashing the consumer — the next fetch of the partition starts at the batch's
 * first record again, after a back-off (0.1 s doubling to 2 s by consecutive failure). Throwing from
 * eachBatch instead crashed the consumer (kafkajs wraps most transaction errors as non-retriable),
 * and the restarted consumer joined as a new member, whose join the coordinator held until the
 * crashed member's session expired (10 s) whenever the crash came from the broker that had failed.
 * A fenced transaction is rethrown instead: a new owner has the partition, and the rebalance that
 * handed it over must reach this consumer.
 *
 * A partition that keeps failing is not consuming, though its consumer is up: from
 * UNHEALTHY_AFTER_FAILURES consecutive failures on, the log lines are `error` and `health()` fails
 * (the processor and the saga both report through it; a retry loop must never be silent and green).
 */
export class BatchRetries {
  /** By `topic#partition` (the key `detail()` shows). */
  private readonly failing = new Map<string, { topic: string; partition: number; count: number; error: string; since: string }>();

  constructor(
    private readonly options: {
      readonly logger?: JsonLogger;
      /** Level of a single failure's line (`info` where one is routine, e.g. CONCURRENT_TRANSACTIONS under load). */
      readonly firstFailureLevel?: 'info' | 'warn';
    },
  ) {}

  /** Counts the failure, logs `message`, and has kafkajs fetch the batch again (see the class comment). */
  async retry(consumer: Consumer, at: BatchPosition, error: unknown, message: string, fields: Record<string, unknown> = {}): Promise<void> {
    const key = `${at.topic}#${at.partition}`;
    const previous = this.failing.get(key);
    const failure = {
      topic: at.topic,
      partition: at.partition,
      count: (previous?.count ?? 0) + 1,
      error: (error as Error)?.message ?? String(error),
      since: previous?.since ?? new Date().toISOString(),
    };
    this.failing.set(key, failure);
    const level = failure.count >= UNHEALTHY_AFTER_FAILURES ? 'error' : failure.count === 1 ? (this.options.firstFailureLevel ?? 'warn') : 'warn';
    this.options.logger?.event(level, message, {
      ...fields,
      topic: at.topic,
      partition: at.partition,
      consecutiveFailures: failure.count,
      error: failure.error,
    });
    if (isFenced(error)) throw error;
    consumer.seek(at);
    await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 100 * 2 ** Math.max(0, failure.count - 1))));
  }

  /** A batch of the partition committed: its count starts again. */
  succeeded(topic: string, partition: number): void {
    this.failing.delete(`${topic}#${partition}`);
  }

  /** The consumer died: its next assignment counts afresh. */
  clear(): void {
    this.failing.clear();
  }

  /** A rebalance: partitions that moved away are the new owner's to report. */
  keepOnly(assignment: Record<string, readonly number[]>): void {
    for (const [key, { topic, partition }] of this.failing) if (!(assignment[topic] ?? []).includes(partition)) this.failing.delete(key);
  }

  /** Whether no partition has failed UNHEALTHY_AFTER_FAILURES times in a row. */
  get ok(): boolean {
    return [...this.failing.values()].every((f) => f.count < UNHEALTHY_AFTER_FAILURES);
  }

  /** The failing partitions, as `topic#partition` → consecutive failures, the last error, and since when. */
  detail(): Record<string, { count: number; error: string; since: string }> {
    return Object.fromEntries([...this.failing].map(([key, { count, error, since }]) => [key, { count, error, since }]));
  }

  /** A `/health` check of its own, named `name` (the processor folds `ok` and `detail()` into its per-context check instead). */
  health(name: string): HealthIndicator {
    return { name, check: async () => ({ ok: this.ok, detail: { failing: this.detail() } }) };
  }
}
