import type { Consumer } from 'kafkajs';
import type { Pool } from 'pg';
import type { AppConfig, HealthIndicator, JsonLogger, Metrics } from '@es/common';
import {
  createDataSource,
  createPool,
  META_MIGRATIONS,
  metaSchema,
  migrate,
  ProjectionMetaRepository,
  type DeadLetterEntry,
  type ProcessDeadLetterOwner,
} from '@es/read-models';

export const SAGA_DEAD_LETTER_OWNER: ProcessDeadLetterOwner = 'fulfillment-saga';

export type PoisonRecord = Pick<DeadLetterEntry, 'topic' | 'partition' | 'offset' | 'eventType' | 'error' | 'payload'>;

interface Stopped extends PoisonRecord {
  /** Unset while the dead letter could not be written yet (PostgreSQL down): the poller keeps trying. */
  id?: number;
}

/**
 * The saga's dead letters: the projections' table and admin API (GET /projections/dead-letters,
 * POST …/retry, …/skip), so an operator answers both the same way. The saga's happy path never
 * touches PostgreSQL; the pool is created on the first poison record. A stopped partition stays
 * paused (and `/health` 503 names it) until the operator's answer arrives: `SKIPPED` resumes after
 * the record, `RETRYING` reads it again (a second failure makes it PENDING again).
 *
 * The consumer group offset is committed only up to the poison record, so a restart meets it
 * again; `openProcessDeadLetter` then returns the operator's earlier SKIPPED answer and the saga
 * passes over it in the batch's own transaction.
 */
export class SagaDeadLetters {
  private readonly stopped = new Map<string, Stopped>();
  /** Partitions re-reading a record an operator asked to retry: key → offset. */
  private readonly retrying = new Map<string, number>();
  private readonly meta: ProjectionMetaRepository;
  private pool?: Pool;
  private migrated?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private readonly deadLettered;
  private readonly pending;

  constructor(
    private readonly deps: {
      readonly config: AppConfig;
      readonly logger: JsonLogger;
      readonly metrics: Metrics;
      readonly consumer: () => Consumer | undefined;
    },
  ) {
    this.meta = new ProjectionMetaRepository(deps.config.namespace);
    this.deadLettered = deps.metrics.counter('es_saga_dead_letters_total', 'Records the fulfillment process dead-lettered, by the action taken', [
      'topic',
      'action',
    ]);
    this.pending = deps.metrics.gauge('es_saga_stopped_partitions', 'Input partitions the fulfillment process holds at a dead letter');
  }

  isStopped(topic: string, partition: number): boolean {
    return this.stopped.has(key(topic, partition));
  }

  /** `/health`: 503 while any partition is held at a dead letter, naming partition, offset and error. */
  health(): HealthIndicator {
    return {
      name: 'saga-dead-letters',
      check: async () => {
        if (this.stopped.size === 0) return { ok: true };
        const detail: Record<string, unknown> = {};
        for (const s of this.stopped.values()) {
          detail[`${s.topic}#${s.partition}`] = {
            offset: s.offset,
            eventType: s.eventType,
            error: s.error,
            deadLetterId: s.id ?? 'not recorded yet (PostgreSQL unreachable)',
          };
        }
        return { ok: false, detail };
      },
    };
  }

  /**
   * Decides what happens to a record the saga could not react to: `skip` (pass over it in this
   * batch's transaction) or `stop` (commit up to it, pause the partition).
   */
  async open(record: PoisonRecord): Promise<'skip' | 'stop'> {
    const k = key(record.topic, record.partition);
    this.retrying.delete(k);
    const status = this.deps.config.saga.deadLetterPolicy === 'skip' ? 'SKIPPED' : 'PENDING';
    let recorded: { id: number; status: string } | undefined;
    try {
      recorded = await this.write(record, status);
    } catch (error) {
      this.deps.logger.event('error', 'cannot record the fulfillment dead letter; retrying in the background', {
        topic: record.topic,
        partition: record.partition,
        offset: record.offset,
        error: (error as Error).message,
      });
    }
    if (status === 'SKIPPED' || recorded?.status === 'SKIPPED') {
      // Under the skip policy a dead letter that could not be written is still skipped: the policy
      // says the operator chose throughput over this record; the error log above keeps its trace.
      this.deadLettered.inc({ topic: record.topic, action: 'skipped' });
      this.deps.logger.event('error', 'fulfillment dead letter skipped', { ...record, payload: undefined, deadLetterId: recorded?.id });
      return 'skip';
    }
    this.stopped.set(k, { ...record, id: recorded?.id });
    this.pending.set(this.stopped.size);
    this.deadLettered.inc({ topic: record.topic, action: 'stopped' });
    this.deps.logger.event('error', 'fulfillment dead letter: partition stopped until an operator retries or skips it', {
      ...record,
      payload: undefined,
      deadLetterId: recorded?.id,
    });
    this.schedulePoll();
    return 'stop';
  }

  /** The batch committed offsets up to `upTo`: a retried record among them went through. */
  async committed(topic: string, partition: number, upTo: number): Promise<void> {
    const k = key(topic, partition);
    const offset = this.retrying.get(k);
    if (offset === undefined || upTo < offset) return;
    this.retrying.delete(k);
    await this.meta
      .resolveProcessRetried(await this.sql(), SAGA_DEAD_LETTER_OWNER, topic, partition, upTo)
      .then(() => this.deps.logger.event('info', 'retried fulfillment dead letter went through', { topic, partition, offset }))
      .catch((error: Error) =>
        this.deps.logger.event('warn', 'cannot mark the retried dead letter resolved', { topic, partition, offset, error: error.message }),
      );
  }

  /** A new assignment or a restarted consumer: the records are read again from the committed offsets. */
  forget(keep?: Record<string, number[]>): void {
    for (const [k, s] of this.stopped) if (!keep || !(keep[s.topic] ?? []).includes(s.partition)) this.stopped.delete(k);
    for (const k of [...this.retrying.keys()]) {
      const [topic, partition] = splitKey(k);
      if (!keep || !(keep[topic] ?? []).includes(partition)) this.retrying.delete(k);
    }
    this.pending.set(this.stopped.size);
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.pool?.end().catch(() => undefined);
  }

  private schedulePoll(): void {
    if (this.timer || this.stopped.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.poll()
        .catch((error: Error) => this.deps.logger.event('warn', 'cannot read the answers to fulfillment dead letters', { error: error.message }))
        .finally(() => this.schedulePoll());
    }, 1000);
    this.timer.unref();
  }

  /** Looks for the operator's answers (and writes the dead letters PostgreSQL refused earlier). */
  private async poll(): Promise<void> {
    for (const [k, s] of [...this.stopped]) {
      let status: string | undefined;
      if (s.id === undefined) {
        const recorded = await this.write(s, 'PENDING');
        s.id = recorded.id;
        status = recorded.status;
        this.deps.logger.event('info', 'fulfillment dead letter recorded', { topic: s.topic, partition: s.partition, offset: s.offset, deadLetterId: s.id });
      } else {
        status = (await this.meta.deadLetter(await this.sql(), s.id))?.status;
      }
      if (status === 'PENDING' || this.stopped.get(k) !== s) continue;
      const consumer = this.deps.consumer();
      if (!consumer) continue;
      this.stopped.delete(k);
      this.pending.set(this.stopped.size);
      // SKIPPED: resume after the record; the next batch's transaction commits past it (and a restart
      // before that meets it again and finds it SKIPPED). RETRYING (or a row gone): read it again.
      const skip = status === 'SKIPPED';
      if (!skip) this.retrying.set(k, s.offset);
      consumer.seek({ topic: s.topic, partition: s.partition, offset: String(skip ? s.offset + 1 : s.offset) });
      consumer.resume([{ topic: s.topic, partitions: [s.partition] }]);
      this.deps.logger.event('info', 'fulfillment partition resumed', { topic: s.topic, partition: s.partition, offset: s.offset, status });
    }
  }

  private async write(record: PoisonRecord, status: 'PENDING' | 'SKIPPED') {
    return this.meta.openProcessDeadLetter(await this.sql(), { owner: SAGA_DEAD_LETTER_OWNER, ...record, attempts: this.deps.config.saga.maxAttempts, status });
  }

  /** The pool, created on first use; the meta schema migrated once (the saga may boot before any projector). */
  private async sql(): Promise<Pool> {
    const config = this.deps.config;
    this.pool ??= createPool(
      { connectionString: config.databaseUrl, max: 2, application_name: config.app },
      (error) => this.deps.logger.event('warn', 'database connection lost', { error: error.message }),
      config.databaseTimeouts,
    );
    this.migrated ??= (async () => {
      const dataSource = createDataSource({
        url: config.databaseUrl,
        schema: metaSchema(config.namespace),
        migrations: META_MIGRATIONS,
        applicationName: config.app,
        timeouts: config.databaseTimeouts,
      });
      await dataSource.initialize();
      try {
        await migrate(dataSource);
      } finally {
        await dataSource.destroy();
      }
    })().catch((error) => {
      this.migrated = undefined;
      throw error;
    });
    await this.migrated;
    return this.pool;
  }
}

function key(topic: string, partition: number): string {
  return `${topic}#${partition}`;
}

export function splitKey(k: string): [string, number] {
  const i = k.lastIndexOf('#');
  return [k.slice(0, i), Number(k.slice(i + 1))];
}
