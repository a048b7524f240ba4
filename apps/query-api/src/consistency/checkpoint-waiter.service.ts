import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Client, type Pool } from 'pg';
import { APP_CONFIG, AppConfig, JsonLogger, Metrics, PollerFailures, UnavailableError } from '@es/common';
import { BOUNDED_CONTEXT_NAMES } from '@es/domain';
import type { Position } from '@es/event-store';
import { topics } from '@es/kafka';
import { checkpointChannel, metaSchema, PROJECTIONS } from '@es/read-models';
import { READ_POOL } from '../shared/read-database';
import type { WaitScope } from './reads-event-index.decorator';

const REFRESH_MS = 100;

interface Waiter {
  readonly position: Position;
  readonly scope: WaitScope;
  done(applied: boolean): void;
}

/**
 * Read-your-writes: waits until every projection that reads the position's context has, in its
 * active version, checkpointed that partition at or past the position's offset.
 *
 * Checkpoints are kept in memory: the projectors NOTIFY `projection:version:topic:partition:offset`
 * in each batch transaction (so it arrives exactly at commit); a notification settles only the
 * waiters of that partition, against the map — no query per waiter per notification, which grew
 * with the square of the load. While anyone waits, one shared refresh every 100 ms re-reads registry
 * and checkpoints, covering a lost LISTEN connection and a blue/green switch.
 */
@Injectable()
export class CheckpointWaiter implements OnModuleInit, OnModuleDestroy {
  private listener?: Client;
  private readonly waiters = new Set<Waiter>();
  private tick?: NodeJS.Timeout;
  private readonly checkpoints = new Map<string, bigint>();
  private readonly active = new Map<string, number>();
  private refreshing?: Promise<void>;
  private refreshedAt = 0;
  private closed = false;
  /** Requests past the in-memory fast path, waiting or refreshing (bounded by READ_YOUR_WRITES_MAX_WAITERS). */
  private pending = 0;
  private readonly failures: PollerFailures;

  constructor(
    @Inject(READ_POOL) private readonly pool: Pool,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly logger: JsonLogger,
    metrics: Metrics,
  ) {
    this.failures = new PollerFailures(logger, metrics);
  }

  async onModuleInit(): Promise<void> {
    await this.listen().catch((error) =>
      this.logger.event('warn', 'LISTEN failed; read-your-writes falls back to polling', { error: (error as Error).message }),
    );
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    if (this.tick) clearInterval(this.tick);
    await this.listener?.end().catch(() => undefined);
  }

  /** From memory only, no round trip: a position already applied needs neither a check nor a wait. */
  appliedNow(position: Position, scope: WaitScope = 'read-models'): boolean {
    return this.applied(position, scope);
  }

  /** True once applied; false if `timeoutMs` passed first. */
  async waitUntilApplied(position: Position, timeoutMs: number, scope: WaitScope = 'read-models'): Promise<boolean> {
    if (this.applied(position, scope)) return true;
    // Each waiter holds a socket, a timer and a share of every settle pass: without a bound, clients
    // that send positions faster than projections apply them exhaust the process for everyone.
    if (this.pending >= this.config.readYourWritesMaxWaiters) {
      throw new UnavailableError(`too many requests are waiting for read-your-writes (${this.config.readYourWritesMaxWaiters}); retry shortly`, 1);
    }
    this.pending += 1;
    try {
      return await this.waitForIt(position, timeoutMs, scope);
    } finally {
      this.pending -= 1;
    }
  }

  private async waitForIt(position: Position, timeoutMs: number, scope: WaitScope): Promise<boolean> {
    if (Date.now() - this.refreshedAt >= REFRESH_MS) {
      await this.refresh();
      if (this.applied(position, scope)) return true;
    }
    if (timeoutMs <= 0) return false;
    return new Promise<boolean>((resolve) => {
      const waiter: Waiter = {
        position,
        scope,
        done: (applied) => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          this.stopTickingWhenIdle();
          resolve(applied);
        },
      };
      const timer = setTimeout(() => waiter.done(this.applied(position, scope)), timeoutMs);
      this.waiters.add(waiter);
      this.tick ??= setInterval(
        () =>
          void this.refresh()
            .then(() => this.settle())
            .catch(this.failures.report('read-your-writes.refresh')),
        REFRESH_MS,
      );
    });
  }

  /** Resolves the waiters whose position is now applied (a notification only ever moves one partition). */
  private settle(partitionKey?: string): void {
    for (const waiter of this.waiters) {
      if (partitionKey !== undefined && partitionKey !== `${waiter.position.context}:${waiter.position.partition}`) continue;
      if (this.applied(waiter.position, waiter.scope)) waiter.done(true);
    }
  }

  private stopTickingWhenIdle(): void {
    if (this.waiters.size === 0 && this.tick) {
      clearInterval(this.tick);
      this.tick = undefined;
    }
  }

  private applied(position: Position, scope: WaitScope): boolean {
    const topic = topics.events(this.config.namespace, position.context);
    const offset = BigInt(position.offset);
    return Object.values(PROJECTIONS)
      .filter((p) => p.context === position.context && (p.eventIndex === true) === (scope === 'event-index'))
      .every((p) => {
        const version = this.active.get(p.name);
        if (version === undefined) return false;
        const checkpoint = this.checkpoints.get(`${p.name}:${version}:${topic}:${position.partition}`);
        return checkpoint !== undefined && checkpoint >= offset;
      });
  }

  /** Single-flight: concurrent waiters share one round trip. */
  private refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      try {
        const meta = metaSchema(this.config.namespace);
        const { rows } = await this.pool.query(
          `SELECT r.name, r.active_version, c.topic, c.partition, c."offset" FROM "${meta}".projection_registry r
             LEFT JOIN "${meta}".projection_checkpoints c ON c.projection = r.name AND c.version = r.active_version`,
        );
        for (const r of rows) {
          this.active.set(r.name, r.active_version);
          if (r.topic !== null) this.record(`${r.name}:${r.active_version}:${r.topic}:${r.partition}`, BigInt(r.offset));
        }
      } catch (error) {
        // Before the first projector boot the meta tables may be missing: nothing is applied yet.
        if ((error as { code?: string }).code !== '42P01') throw error;
      } finally {
        this.refreshedAt = Date.now();
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  private record(key: string, offset: bigint): void {
    const known = this.checkpoints.get(key);
    if (known === undefined || offset > known) this.checkpoints.set(key, offset);
  }

  private async listen(): Promise<void> {
    if (this.closed) return;
    const client = new Client({
      connectionString: this.config.databaseUrl,
      application_name: 'query-api-listen',
      connectionTimeoutMillis: this.config.databaseTimeouts.connectTimeoutMs,
      keepAlive: true,
    });
    client.on('notification', (message) => {
      const parts = message.payload?.split(':') ?? [];
      if (parts.length !== 5 || !/^-?\d+$/.test(parts[4])) return;
      this.record(parts.slice(0, 4).join(':'), BigInt(parts[4]));
      const context = BOUNDED_CONTEXT_NAMES.find((c) => parts[2] === topics.events(this.config.namespace, c));
      if (context === undefined) return;
      this.settle(`${context}:${parts[3]}`);
    });
    let retried = false;
    const retry = () => {
      if (retried || this.closed) return;
      retried = true;
      this.listener = undefined;
      client.end().catch(() => undefined);
      setTimeout(() => void this.listen().catch(this.failures.report('read-your-writes.listen')), 1000).unref();
    };
    client.on('error', retry);
    try {
      await client.connect();
      await client.query(`LISTEN "${checkpointChannel(this.config.namespace)}"`);
    } catch (error) {
      // The database is down: keep trying, or read-your-writes stays on polling after it is back.
      retry();
      throw error;
    }
    this.listener = client;
  }
}
