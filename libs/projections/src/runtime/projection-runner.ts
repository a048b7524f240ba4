import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { Pool } from 'pg';
import { isDatabaseUnavailable, PollerFailures, type JsonLogger, type Metrics } from '@es/common';
import { deserializeEvent, type StoredEvent } from '@es/event-store';
import { groups, SupervisedConsumer, topics, undecodableRecord } from '@es/kafka';
import {
  checkpointChannel,
  createDataSource,
  type DatabaseTimeouts,
  inTransaction,
  migrate,
  ProjectionMetaRepository,
  projectionSchema,
} from '@es/read-models';
import { CheckpointConflictError, ignore, PoisonEventError, UnhandledEventTypeError } from './projection-fold';
import type { ProjectionSpec } from './projection-spec';

export interface RunnerDeps {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly pool: Pool;
  readonly databaseUrl: string;
  readonly databaseTimeouts?: DatabaseTimeouts;
  readonly namespace: string;
  readonly logger: JsonLogger;
  readonly metrics?: Metrics;
}

export interface RunnerOptions {
  /** A rebuild reads bigger fetches: throughput over latency. */
  readonly rebuild?: boolean;
  readonly partitionsConsumedConcurrently?: number;
}

export interface StoppedPartition {
  readonly partition: number;
  readonly offset: number;
  readonly deadLetterId: number;
  readonly error: string;
}

interface PartitionState {
  checkpoint: number;
  seeked: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs one version of one projection: a consumer group of its own (`groups.projector`), read
 * committed, batch by batch. Each batch is folded in memory and written together with its
 * checkpoint in one PostgreSQL transaction; the checkpoint update is optimistic
 * (`WHERE "offset" = :previous`), so a second writer after a rebalance can only ever lose the race,
 * never apply a record twice. Kafka's group offsets are committed after the database and are
 * advisory: positions always come from the checkpoint (docs/architecture.md §5).
 */
export class ProjectionRunner<S = unknown> {
  readonly topic: string;
  readonly schema: string;
  readonly groupId: string;
  private supervised?: SupervisedConsumer;
  /** Set while PostgreSQL cannot be reached: batches wait for it instead of dead-lettering. */
  private databaseDown?: { since: number; error: string };
  private readonly meta: ProjectionMetaRepository;
  private readonly partitions = new Map<number, PartitionState>();
  private readonly stopped = new Map<number, StoppedPartition>();
  private readonly attempts = new Map<number, number>();
  private readonly retrying = new Set<number>();
  private readonly locks = new Map<number, Promise<unknown>>();
  private readonly advisory = new Map<number, number>();
  private advisoryTimer?: NodeJS.Timeout;
  private control?: NodeJS.Timeout;
  private running = false;
  private relaxedCommit: boolean;
  private readonly channel: string;
  private readonly failures: PollerFailures;

  constructor(
    private readonly spec: ProjectionSpec<S>,
    readonly version: number,
    private readonly deps: RunnerDeps,
    private readonly options: RunnerOptions = {},
  ) {
    this.topic = topics.events(deps.namespace, spec.info.context);
    this.schema = projectionSchema(deps.namespace, spec.info.name, version);
    this.groupId = groups.projector(deps.namespace, spec.info.name, version);
    this.meta = new ProjectionMetaRepository(deps.namespace);
    this.channel = checkpointChannel(deps.namespace);
    this.relaxedCommit = options.rebuild === true;
    this.failures = new PollerFailures(deps.logger, deps.metrics);
  }

  /** The rebuilt version now serves reads: its commits are durable before readers are told. */
  promoteToLive(): void {
    this.relaxedCommit = false;
  }

  get name(): string {
    return this.spec.info.name;
  }

  stoppedPartitions(): StoppedPartition[] {
    return [...this.stopped.values()];
  }

  /** For the projector's /health: is the consumer joined, and can the database be written? */
  condition(): { consumer: string; consuming: boolean; databaseUnavailable: string | null } {
    return {
      consumer: `projector.${this.name}.v${this.version}`,
      consuming: this.supervised?.isConsuming() === true,
      databaseUnavailable: this.databaseDown?.error ?? null,
    };
  }

  /** Creates the version's schema (migrations, never synchronize) and its -1 checkpoints, then consumes. */
  async start(): Promise<void> {
    await this.prepare();
    const consumer = new SupervisedConsumer({
      name: `projector.${this.name}.v${this.version}`,
      kafka: this.deps.kafka,
      logger: this.deps.logger,
      metrics: this.deps.metrics,
      config: {
        groupId: this.groupId,
        readUncommitted: false,
        sessionTimeout: 6000,
        // A third of the session timeout (Kafka's rule of thumb). At rest kafkajs heartbeats after an
        // empty fetch only, so this is one heartbeat every ~2 s instead of one per 1 s long poll; a
        // rebalance is noticed on the next heartbeat (≤ 2 s + one fetch wait).
        heartbeatInterval: 2000,
        rebalanceTimeout: 10000,
        maxBytesPerPartition: this.options.rebuild ? 8 * 1024 * 1024 : 2 * 1024 * 1024,
        maxBytes: 32 * 1024 * 1024,
        // Fetch wait: SupervisedConsumer's LONG_POLL (an idle projector fetches once a second; an
        // event is delivered as soon as its transaction commits).
      },
      // Positions always come from the checkpoints: after a crash, re-read them on the next assignment.
      onReset: () => {
        this.partitions.clear();
        this.attempts.clear();
      },
      start: (c) => this.consume(c),
    });
    this.supervised = consumer;
    this.running = true;
    try {
      await consumer.start();
    } catch (error) {
      this.running = false;
      this.supervised = undefined;
      throw error;
    }
    const context = { projection: this.name, version: this.version };
    this.control = setInterval(() => void this.checkStoppedPartitions().catch(this.failures.report('projection.stopped-partitions', context)), 500);
    this.deps.logger.event('info', 'projection runner started', { projection: this.name, version: this.version, group: this.groupId });
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.control) clearInterval(this.control);
    if (this.advisoryTimer) clearTimeout(this.advisoryTimer);
    await this.supervised?.stop();
    this.supervised = undefined;
  }

  private async consume(consumer: Consumer): Promise<void> {
    // A new assignment may hand us partitions another instance advanced: re-read checkpoints.
    consumer.on(consumer.events.GROUP_JOIN, () => {
      this.partitions.clear();
      // A new consumer instance (after a crash) knows nothing of the partitions halted at a dead letter.
      for (const partition of this.stopped.keys()) consumer.pause([{ topic: this.topic, partitions: [partition] }]);
    });
    // Batches of nothing but transaction markers never reach eachBatch; moving the checkpoint over
    // them keeps a caught-up projection at lag 0 in GET /projections.
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      if (payload.batchSize === 0 && payload.topic === this.topic && payload.firstOffset !== null) {
        void this.withLock(payload.partition, () => this.advanceOverMarkers(payload.partition, Number(payload.firstOffset), Number(payload.lastOffset))).catch(
          this.failures.report('projection.marker-checkpoint', { projection: this.name, version: this.version, partition: payload.partition }),
        );
      }
    });
    await consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 3,
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  async prepare(): Promise<void> {
    const ds = createDataSource({
      url: this.deps.databaseUrl,
      schema: this.schema,
      migrations: this.spec.info.migrations,
      poolSize: 2,
      timeouts: this.deps.databaseTimeouts,
    });
    await ds.initialize();
    try {
      await migrate(ds);
    } finally {
      await ds.destroy();
    }
    const partitions = (await this.deps.admin.fetchTopicOffsets(this.topic)).map((p) => p.partition);
    await this.meta.initCheckpoints(this.deps.pool, this.name, this.version, this.topic, partitions);
  }

  private onBatch(payload: EachBatchPayload): Promise<void> {
    return this.withLock(payload.batch.partition, () => this.processBatch(payload));
  }

  /** Serialises the work on one partition (batches and marker advances). */
  private withLock<T>(partition: number, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(partition) ?? Promise.resolve();
    const next = previous.then(work, work);
    this.locks.set(
      partition,
      next.catch(() => undefined),
    );
    return next;
  }

  private async advanceOverMarkers(partition: number, first: number, last: number): Promise<void> {
    const state = this.partitions.get(partition);
    // Only when the filtered range starts right after the checkpoint: nothing real lies in between.
    if (!state || !state.seeked || this.stopped.has(partition) || first > state.checkpoint + 1 || last <= state.checkpoint) return;
    const advanced = await inTransaction(
      this.deps.pool,
      async (client) => {
        if (!(await this.meta.advanceCheckpoint(client, this.name, this.version, this.topic, partition, state.checkpoint, last))) return false;
        await client.query('SELECT pg_notify($1, $2)', [this.channel, `${this.name}:${this.version}:${this.topic}:${partition}:${last}`]);
        return true;
      },
      { commitIf: (ok) => ok },
    );
    if (advanced) state.checkpoint = last;
    else this.partitions.delete(partition);
  }

  private async processBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const partition = batch.partition;
    if (this.stopped.has(partition) || batch.messages.length === 0) return;
    let state = this.partitions.get(partition);
    if (!state) {
      const checkpoint = await this.untilDatabase(
        () => this.readCheckpoint(partition),
        heartbeat,
        () => this.running && isRunning() && !isStale(),
      );
      if (checkpoint === undefined) return;
      state = { checkpoint, seeked: false };
      this.partitions.set(partition, state);
    }
    if (!state.seeked) {
      state.seeked = true;
      // Kafka's committed offset may lag the checkpoint (commit after the DB) or be missing: the
      // checkpoint decides. Records at or below it are skipped below; a fetch that starts after
      // checkpoint + 1 would lose records, so re-seek. (Offsets have gaps for transaction markers,
      // hence "once per assignment" rather than "whenever first > checkpoint + 1".)
      if (Number(batch.firstOffset()) > state.checkpoint + 1) {
        this.supervised?.current?.seek({ topic: this.topic, partition, offset: String(state.checkpoint + 1) });
        return;
      }
    }
    let pending = batch.messages.filter((m) => Number(m.offset) > state!.checkpoint);
    if (pending.length === 0) {
      resolveOffset(batch.lastOffset());
      return;
    }
    let chunkLimit = Number.POSITIVE_INFINITY;
    while (pending.length > 0 && this.running && isRunning() && !isStale()) {
      const chunk = pending.length > chunkLimit ? pending.slice(0, chunkLimit) : pending;
      // When the chunk ends the batch, the checkpoint also covers a trailing transaction marker
      // (batch.lastOffset() counts control records), so a caught-up projection shows lag 0.
      const upTo = chunk.length === pending.length ? Math.max(Number(chunk[chunk.length - 1].offset), Number(batch.lastOffset())) : undefined;
      try {
        await this.apply(partition, state, chunk, upTo);
        resolveOffset(chunk[chunk.length - 1].offset);
        pending = pending.slice(chunk.length);
        this.attempts.delete(partition);
        this.databaseRecovered();
      } catch (error) {
        if (isDatabaseUnavailable(error)) {
          // Not the events' fault: wait for the database (no attempt is counted, nothing is
          // dead-lettered), keeping the group session alive; the chunk is retried as it was.
          if (!(await this.databaseWait(error as Error, heartbeat))) break;
          continue;
        }
        if (error instanceof CheckpointConflictError) {
          // Another instance owns the partition now (or did for a while): start over from the database.
          this.deps.logger.event('warn', 'checkpoint moved by another writer; re-seeking', { projection: this.name, version: this.version, partition });
          this.partitions.delete(partition);
          const checkpoint = await this.readCheckpoint(partition);
          this.supervised?.current?.seek({ topic: this.topic, partition, offset: String(checkpoint + 1) });
          return;
        }
        const attempt = (this.attempts.get(partition) ?? 0) + 1;
        this.attempts.set(partition, attempt);
        const culprit = error instanceof PoisonEventError ? error.offset : chunk.length === 1 ? Number(chunk[0].offset) : undefined;
        this.deps.logger.event('warn', 'projection batch failed', {
          projection: this.name,
          version: this.version,
          partition,
          attempt,
          culprit,
          error: (error as Error).message,
        });
        if (attempt < this.spec.maxAttempts) {
          await sleep(100 * attempt);
          continue;
        }
        this.attempts.delete(partition);
        if (culprit === undefined) {
          // A write failed and no single event is to blame yet: go one event at a time to find it.
          chunkLimit = 1;
          continue;
        }
        const before = pending.filter((m) => Number(m.offset) < culprit);
        if (before.length > 0) {
          try {
            await this.apply(partition, state, before);
          } catch {
            // The events before the culprit were never written without it (the chunk failed at the
            // culprit's decode, before any row): one of them may fail too. This used to escape to
            // kafkajs, which restarted the consumer onto the same batch for good — lag frozen, status
            // RUNNING, no dead letter (a forged event without aggregateType, found by
            // test/system/hostile-records). One event at a time names the first culprit instead.
            chunkLimit = 1;
            continue;
          }
          resolveOffset(before[before.length - 1].offset);
        }
        const poison = pending.find((m) => Number(m.offset) === culprit)!;
        const stop = await this.deadLetter(partition, state, poison, error as Error);
        if (stop) return;
        resolveOffset(poison.offset);
        pending = pending.filter((m) => Number(m.offset) > culprit);
        chunkLimit = Number.POSITIVE_INFINITY;
      }
      // A rebalance surfaces here; what is committed is committed, the new owner starts after it.
      if (
        !(await heartbeat().then(
          () => true,
          () => false,
        ))
      )
        return;
    }
    // Left with records: given up while waiting for the database, or the batch went stale (a rebalance) or the runner stops.
    if (pending.length > 0) this.databaseWaitGivenUp();
  }

  /**
   * Runs `work` until PostgreSQL answers; undefined when the batch should be given up meanwhile
   * (runner stopping, rebalance).
   */
  private async untilDatabase<T>(work: () => Promise<T>, heartbeat: () => Promise<void>, live: () => boolean): Promise<T | undefined> {
    while (live()) {
      try {
        const result = await work();
        this.databaseRecovered();
        return result;
      } catch (error) {
        if (!isDatabaseUnavailable(error)) throw error;
        if (!(await this.databaseWait(error as Error, heartbeat))) break;
      }
    }
    this.databaseWaitGivenUp();
    return undefined;
  }

  /**
   * A batch that waited for the database was given up (a rebalance, a stop): nothing of this runner
   * waits for the database any more (the `postgres` check still reports the database itself), and
   * the next batch that meets it down says so again. Left set, it kept a projector paused past its
   * session 503 for good: resumed, its transaction's connection had been ended by the database, the
   * batch was given up for the rebalance, and the partitions it got back brought no batch to clear it.
   */
  private databaseWaitGivenUp(): void {
    this.databaseDown = undefined;
  }

  /** Back-off while the database is down (0.2 s doubling to 5 s), heartbeating every second. False: give the batch up. */
  private async databaseWait(error: Error, heartbeat: () => Promise<void>): Promise<boolean> {
    if (!this.databaseDown) {
      this.databaseDown = { since: Date.now(), error: error.message };
      this.deps.logger.event('error', 'PostgreSQL unreachable; projection waits for it', {
        projection: this.name,
        version: this.version,
        error: error.message,
      });
    }
    this.databaseDown.error = error.message;
    const downFor = Date.now() - this.databaseDown.since;
    let wait = Math.min(5000, Math.max(200, downFor / 2));
    while (wait > 0) {
      await sleep(Math.min(wait, 1000));
      wait -= 1000;
      if (!this.running) return false;
      if (
        !(await heartbeat().then(
          () => true,
          () => false,
        ))
      )
        return false;
    }
    return this.running;
  }

  private databaseRecovered(): void {
    if (!this.databaseDown) return;
    this.deps.logger.event('info', 'PostgreSQL reachable again; projection resumes', {
      projection: this.name,
      version: this.version,
      downForMs: Date.now() - this.databaseDown.since,
    });
    this.databaseDown = undefined;
  }

  /** One transaction: load touched rows, fold, multi-row upsert, optimistic checkpoint, NOTIFY. */
  private async apply(partition: number, state: PartitionState, messages: KafkaMessage[], upTo?: number): Promise<void> {
    const events: StoredEvent[] = [];
    for (const m of messages) {
      const event = this.decode(partition, m);
      const fold = this.spec.folds.get(event.type);
      // A type the fold table does not name is not skipped quietly: it is poison (dead letter), so a
      // projection deployed without a new event's fold stops and says so instead of drifting.
      if (fold === undefined) throw new PoisonEventError(Number(m.offset), event.type, event, new UnhandledEventTypeError(event.type, this.name));
      if (fold !== ignore) events.push(event);
    }
    const last = upTo ?? Number(messages[messages.length - 1].offset);
    const keyOf = this.spec.keyOf ?? ((e: StoredEvent) => e.aggregateId);
    const started = process.hrtime.bigint();
    await inTransaction(this.deps.pool, async (client) => {
      // A rebuild's commits need not wait for the WAL flush: a database crash can only lose whole
      // transactions, rows and checkpoint together, which the rebuild then simply redoes.
      if (this.relaxedCommit) await client.query('SET LOCAL synchronous_commit = off');
      // An aggregate whose first event in this batch is its version 1 cannot have a row yet (versions
      // are 1, 2, 3 … without gaps, docs/events.md; a redelivery is excluded by the checkpoint and the
      // upsert's version guard), so only the others are read back: one lookup fewer per new entity.
      // Not while an operator retries a dead letter: a repaired read model may break the rule.
      const firstVersion = new Map<string, number>();
      for (const e of events) if (!firstVersion.has(keyOf(e))) firstVersion.set(keyOf(e), e.version);
      const retrying = this.retrying.has(partition);
      const keys = [...firstVersion].filter(([, v]) => retrying || v > 1).map(([k]) => k);
      const loaded = keys.length > 0 ? await this.spec.store.load(client, this.schema, keys) : new Map<string, S>();
      const current = new Map(loaded);
      const changed = new Map<string, S>();
      for (const event of events) {
        const key = keyOf(event);
        let next: S | undefined;
        try {
          const result = this.spec.folds.get(event.type)!(current.get(key), event);
          next = result instanceof Promise ? await result : result;
        } catch (error) {
          throw new PoisonEventError(Number(event.offset), event.type, event, error as Error);
        }
        if (next !== undefined) {
          current.set(key, next);
          changed.set(key, next);
        }
      }
      await this.spec.store.save(
        client,
        this.schema,
        [...changed].map(([key, after]) => ({ before: loaded.get(key), after })),
      );
      if (!(await this.meta.advanceCheckpoint(client, this.name, this.version, this.topic, partition, state.checkpoint, last))) {
        throw new CheckpointConflictError(this.topic, partition, state.checkpoint);
      }
      if (this.retrying.has(partition)) await this.meta.resolveRetried(client, this.name, this.version, this.topic, partition, last);
      // Delivered only on COMMIT: read-your-writes waiters wake exactly when the rows are visible.
      await client.query('SELECT pg_notify($1, $2)', [this.channel, `${this.name}:${this.version}:${this.topic}:${partition}:${last}`]);
    });
    state.checkpoint = last;
    this.retrying.delete(partition);
    this.deps.metrics
      ?.counter('es_projection_events_total', 'Records applied by projections', ['projection', 'version'])
      .inc({ projection: this.name, version: String(this.version) }, messages.length);
    this.deps.metrics
      ?.histogram('es_projection_batch_seconds', 'Duration of one projection batch transaction', ['projection'])
      .observe({ projection: this.name }, Number(process.hrtime.bigint() - started) / 1e9);
    if (events.length > 0) {
      // Read by the lag probe's es_projection_last_event_age_seconds (projection-lag.ts).
      this.deps.metrics
        ?.gauge('es_projection_last_applied_event_timestamp_seconds', 'occurredAt (Unix seconds) of the last event a projection applied, per partition', [
          'projection',
          'version',
          'partition',
        ])
        .set({ projection: this.name, version: String(this.version), partition: String(partition) }, Date.parse(events[events.length - 1].occurredAt) / 1000);
    }
    this.commitAdvisory(partition, last + 1);
  }

  /**
   * Kafka's group offsets are advisory (positions come from the checkpoint): they only keep the
   * group's lag visible to Kafka tools, so they are committed at most once a second per partition,
   * in the background, instead of costing a broker round trip per batch.
   */
  private commitAdvisory(partition: number, offset: number): void {
    this.advisory.set(partition, offset);
    if (this.advisoryTimer) return;
    this.advisoryTimer = setTimeout(() => {
      this.advisoryTimer = undefined;
      const offsets = [...this.advisory].map(([p, o]) => ({ topic: this.topic, partition: p, offset: String(o) }));
      this.advisory.clear();
      void this.supervised?.current
        ?.commitOffsets(offsets)
        .catch(this.failures.report('projection.advisory-commit', { projection: this.name, version: this.version }));
    }, 1000);
    this.advisoryTimer.unref();
  }

  private decode(partition: number, m: KafkaMessage): StoredEvent {
    try {
      return deserializeEvent({ value: m.value, topic: this.topic, partition, offset: m.offset });
    } catch (error) {
      throw poisonOf(m, error as Error);
    }
  }

  /**
   * Records the poison event. Policy `stop` (default): the partition halts before it and stays
   * paused until an operator retries or skips; policy `skip`: the event is passed over in the same
   * transaction that moves the checkpoint past it. Returns true when the partition stopped.
   */
  private async deadLetter(partition: number, state: PartitionState, message: KafkaMessage, error: Error): Promise<boolean> {
    const offset = Number(message.offset);
    // An error of the write (a constraint the event breaks) names no event: the record is described as
    // one that did not decode is, so the dead letter shows its type and payload.
    const poison = error instanceof PoisonEventError ? error : poisonOf(message, error);
    const entry = {
      projection: this.name,
      version: this.version,
      topic: this.topic,
      partition,
      offset,
      eventType: poison.eventType,
      error: poison.cause?.message ?? poison.message,
      payload: poison.payload,
      attempts: this.spec.maxAttempts,
    };
    this.deps.metrics?.counter('es_projection_dead_letters_total', 'Events dead-lettered by projections', ['projection']).inc({ projection: this.name });
    if (this.spec.deadLetterPolicy === 'skip') {
      await inTransaction(this.deps.pool, async (client) => {
        await this.meta.recordDeadLetter(client, { ...entry, status: 'SKIPPED' });
        if (!(await this.meta.advanceCheckpoint(client, this.name, this.version, this.topic, partition, state.checkpoint, offset))) {
          throw new CheckpointConflictError(this.topic, partition, state.checkpoint);
        }
      });
      state.checkpoint = offset;
      this.deps.logger.event('error', 'poison event skipped', { ...entry, payload: undefined });
      return false;
    }
    const deadLetterId = await this.meta.recordDeadLetter(this.deps.pool, { ...entry, status: 'PENDING' });
    this.stopped.set(partition, { partition, offset, deadLetterId, error: entry.error });
    this.supervised?.current?.pause([{ topic: this.topic, partitions: [partition] }]);
    this.deps.logger.event('error', 'poison event: partition stopped until an operator retries or skips it', { ...entry, payload: undefined, deadLetterId });
    return true;
  }

  /** An operator answered a dead letter (retry or skip): resume the partition from its checkpoint. */
  private async checkStoppedPartitions(): Promise<void> {
    for (const stopped of [...this.stopped.values()]) {
      const row = await this.meta.deadLetter(this.deps.pool, stopped.deadLetterId);
      if (row && row.status === 'PENDING') continue;
      this.stopped.delete(stopped.partition);
      if (row?.status === 'RETRYING') this.retrying.add(stopped.partition);
      this.partitions.delete(stopped.partition);
      const checkpoint = await this.readCheckpoint(stopped.partition);
      this.supervised?.current?.seek({ topic: this.topic, partition: stopped.partition, offset: String(checkpoint + 1) });
      this.supervised?.current?.resume([{ topic: this.topic, partitions: [stopped.partition] }]);
      this.deps.logger.event('info', 'partition resumed', { projection: this.name, version: this.version, partition: stopped.partition, status: row?.status });
    }
  }

  private async readCheckpoint(partition: number): Promise<number> {
    const rows = await this.meta.checkpointsOf(this.deps.pool, this.name, this.version);
    const found = rows.find((r) => r.topic === this.topic && r.partition === partition);
    if (found) return found.offset;
    await this.meta.initCheckpoints(this.deps.pool, this.name, this.version, this.topic, [partition]);
    return -1;
  }
}

/** A record that could not be decoded or written, described for its dead letter (type and payload as far as they read). */
function poisonOf(message: KafkaMessage, error: Error): PoisonEventError {
  const { payload, eventType } = undecodableRecord(message);
  return new PoisonEventError(Number(message.offset), eventType, payload, error);
}
