import type { HealthIndicator, HealthResult } from '@es/common';
import { groups, topics } from '@es/kafka';
import { inTransaction, ProjectionMetaRepository, projectionSchema } from '@es/read-models';
import type { ProjectionSpec } from './projection-spec';
import { ProjectionRunner, type RunnerDeps } from './projection-runner';
import { ProjectionLagProbe } from './projection-lag';

export interface SupervisorOptions {
  /** How long an old version's schema stays after a switch, for queries that resolved it just before. */
  readonly dropOldVersionAfterMs?: number;
  /** Registry poll while a rebuild is recorded or running, or the poll is failing (default 500 ms). */
  readonly pollMs?: number;
  /** Registry poll at rest (default 2 s): it only has to notice a new rebuild request or another instance's switch. */
  readonly idlePollMs?: number;
  /** Run only the rebuild runner (CLI), not the live version. */
  readonly rebuildOnly?: boolean;
  /** /health fails while the live version lags more records than this (0 or unset: never). */
  readonly maxLag?: number;
}

/**
 * Keeps one projection running in this process: the live version, and, while a rebuild is recorded
 * in the registry, a second runner that builds the target version from offset 0 in its own schema
 * and consumer group. When the target has caught up with the live version on every partition it
 * makes itself active in one transaction; the old version's runner stops and its schema is dropped
 * after a grace period. Every instance runs this loop; the optimistic switch lets exactly one win.
 */
export class ProjectionSupervisor {
  private live?: ProjectionRunner;
  private rebuild?: ProjectionRunner;
  private timer?: NodeJS.Timeout;
  private ticking?: Promise<void>;
  private stopping = false;
  private readonly meta: ProjectionMetaRepository;
  private readonly drops = new Set<NodeJS.Timeout>();
  private lastError?: string;
  /** The registry poll is failing right now (database unreachable): nothing can switch or start. */
  private tickFailing = false;
  /** Lag of the running versions, for /metrics and the maxLag health check. */
  readonly lag: ProjectionLagProbe;

  constructor(
    private readonly spec: ProjectionSpec,
    private readonly deps: RunnerDeps,
    private readonly options: SupervisorOptions = {},
  ) {
    this.meta = new ProjectionMetaRepository(deps.namespace);
    this.lag = new ProjectionLagProbe(
      spec.info.name,
      topics.events(deps.namespace, spec.info.context),
      () => [this.live, this.rebuild].filter((r) => r !== undefined).map((r) => r!.version),
      {
        admin: deps.admin,
        pool: deps.pool,
        meta: this.meta,
      },
    );
  }

  get name(): string {
    return this.spec.info.name;
  }

  async start(): Promise<void> {
    await this.meta.ensureRegistered(this.deps.pool, this.name);
    if (this.deps.metrics) this.lag.attach(this.deps.metrics);
    await this.collectGarbage();
    await this.tick();
    this.scheduleTick();
  }

  /**
   * The registry poll. Fast while a rebuild runs, so the switch follows the catch-up closely; slow at
   * rest, where a poll every 500 ms was 2 queries a second per projection for nothing (issue 12: the
   * whole stack's idle CPU, docs/benchmarks.md). A rebuild request is noticed within idlePollMs.
   */
  private scheduleTick(): void {
    if (this.stopping) return;
    const busy = this.rebuild !== undefined || this.tickFailing;
    this.timer = setTimeout(
      () => {
        this.ticking = this.tick()
          .then(() => {
            this.tickFailing = false;
          })
          .catch((error) => {
            this.tickFailing = true;
            this.lastError = (error as Error).message;
            this.deps.logger.event('warn', 'projection supervisor tick failed', { projection: this.name, error: this.lastError });
            this.deps.metrics
              ?.counter('es_poller_failures_total', 'Failed runs of background pollers and timers, by poller', ['poller'])
              .inc({ poller: 'projection.supervisor' });
          })
          .finally(() => {
            this.ticking = undefined;
            this.scheduleTick();
          });
      },
      busy ? (this.options.pollMs ?? 500) : (this.options.idlePollMs ?? 2000),
    );
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.deps.metrics) this.lag.detach(this.deps.metrics);
    await this.ticking;
    for (const t of this.drops) clearTimeout(t);
    await Promise.all([this.live?.stop(), this.rebuild?.stop()]);
  }

  health(): HealthIndicator {
    return {
      name: `projection:${this.name}`,
      check: async (): Promise<HealthResult> => {
        const stopped = [...(this.live?.stoppedPartitions() ?? []), ...(this.rebuild?.stoppedPartitions() ?? [])];
        const runners = [this.live, this.rebuild].filter((r): r is ProjectionRunner => r !== undefined);
        // A runner whose consumer crashed (restarting) or whose database is gone is not projecting.
        const conditions = runners.map((r) => r.condition());
        // Marten's maxEventLag: a live version too far behind is not serving fresh reads.
        const maxLag = this.options.maxLag ?? 0;
        const liveVersion = this.live?.version;
        const lag =
          maxLag > 0 && liveVersion !== undefined ? ((await this.lag.measure().catch(() => [])).find((v) => v.version === liveVersion)?.total ?? null) : null;
        const ok =
          (lag === null || lag <= maxLag) &&
          (this.options.rebuildOnly || this.live !== undefined) &&
          stopped.length === 0 &&
          !this.tickFailing &&
          conditions.every((c) => c.consuming && c.databaseUnavailable === null);
        return {
          ok,
          detail: {
            liveVersion: this.live?.version ?? null,
            rebuildVersion: this.rebuild?.version ?? null,
            consumersDown: conditions.filter((c) => !c.consuming).map((c) => c.consumer),
            databaseUnavailable:
              conditions.find((c) => c.databaseUnavailable !== null)?.databaseUnavailable ?? (this.tickFailing ? (this.lastError ?? null) : null),
            stoppedPartitions: stopped,
            lastError: this.lastError ?? null,
            ...(maxLag > 0 ? { lag, maxLag } : {}),
          },
        };
      },
    };
  }

  private async tick(): Promise<void> {
    if (this.stopping) return;
    const reg = await this.meta.find(this.deps.pool, this.name);
    if (!reg) return;
    // 1. The live runner follows the registry (another instance may have switched).
    if (!this.options.rebuildOnly && this.live?.version !== reg.activeVersion) {
      const previous = this.live;
      if (this.rebuild?.version === reg.activeVersion) {
        this.rebuild.promoteToLive();
        this.live = this.rebuild;
        this.rebuild = undefined;
      } else {
        const runner = new ProjectionRunner(this.spec, reg.activeVersion, this.deps);
        await runner.start();
        this.live = runner;
      }
      if (previous) {
        await previous.stop();
        this.scheduleDrop(previous.version);
      }
    }
    if (this.options.rebuildOnly && this.rebuild && this.rebuild.version === reg.activeVersion) {
      // Someone (this CLI or a projector) switched: the rebuild is done.
      await this.rebuild.stop();
      this.rebuild = undefined;
      return;
    }
    // 2. A recorded rebuild gets its runner here; a cancelled or finished one is stopped.
    if (reg.rebuildTargetVersion !== null && this.rebuild?.version !== reg.rebuildTargetVersion) {
      await this.rebuild?.stop();
      const runner = new ProjectionRunner(this.spec, reg.rebuildTargetVersion, this.deps, { rebuild: true });
      await runner.start();
      this.rebuild = runner;
      this.deps.logger.event('info', 'rebuild started', { projection: this.name, targetVersion: reg.rebuildTargetVersion });
    } else if (reg.rebuildTargetVersion === null && this.rebuild && this.rebuild.version !== reg.activeVersion) {
      await this.rebuild.stop();
      this.rebuild = undefined;
    }
    // 3. Caught up? Switch.
    if (this.rebuild && reg.rebuildTargetVersion === this.rebuild.version && this.rebuild.stoppedPartitions().length === 0) {
      if (await this.trySwitch(reg.activeVersion, this.rebuild.version)) {
        this.deps.logger.event('info', 'rebuilt projection is now active', { projection: this.name, from: reg.activeVersion, to: this.rebuild.version });
        const previous = this.live;
        this.live = this.options.rebuildOnly ? undefined : this.rebuild;
        const rebuilt = this.rebuild;
        rebuilt.promoteToLive();
        this.rebuild = undefined;
        if (previous) await previous.stop();
        if (this.options.rebuildOnly) await rebuilt.stop();
        this.scheduleDrop(reg.activeVersion);
      }
    }
  }

  /**
   * The switch, in one transaction: lock the live version's checkpoints (its runner cannot commit a
   * batch meanwhile), check that the target is at or past every one of them, flip the registry
   * optimistically. Readers therefore never see a row disappear across the switch.
   */
  private async trySwitch(from: number, to: number): Promise<boolean> {
    return inTransaction(
      this.deps.pool,
      async (client) => {
        const live = await this.meta.lockCheckpoints(client, this.name, from);
        const target = await this.meta.checkpointsOf(client, this.name, to);
        const behind = live.some((l) => {
          const t = target.find((c) => c.topic === l.topic && c.partition === l.partition);
          return !t || t.offset < l.offset;
        });
        if (behind || target.length === 0) return false;
        return this.meta.switchActive(client, this.name, from, to);
      },
      { commitIf: (switched) => switched },
    );
  }

  private scheduleDrop(version: number): void {
    const timer = setTimeout(() => {
      this.drops.delete(timer);
      void this.dropVersion(version).catch((error) =>
        this.deps.logger.event('warn', 'dropping an old projection version failed', { projection: this.name, version, error: (error as Error).message }),
      );
    }, this.options.dropOldVersionAfterMs ?? 10000);
    timer.unref();
    this.drops.add(timer);
  }

  /** Drops a version that is neither active nor being rebuilt: schema, checkpoints, dead letters, group. */
  async dropVersion(version: number): Promise<void> {
    const reg = await this.meta.find(this.deps.pool, this.name);
    if (!reg || reg.activeVersion === version || reg.rebuildTargetVersion === version) return;
    await this.deps.pool.query(`DROP SCHEMA IF EXISTS "${projectionSchema(this.deps.namespace, this.name, version)}" CASCADE`);
    await this.meta.dropVersion(this.deps.pool, this.name, version);
    // The group may already be gone (another instance dropped it); the schema is what mattered.
    await this.deps.admin
      .deleteGroups([groups.projector(this.deps.namespace, this.name, version)])
      .catch((error) => this.deps.logger.event('info', 'old consumer group not deleted', { projection: this.name, version, error: (error as Error).message }));
    this.deps.logger.event('info', 'old projection version dropped', { projection: this.name, version });
  }

  /** Versions below the active one left behind by a process that died between switch and drop. */
  private async collectGarbage(): Promise<void> {
    const reg = await this.meta.find(this.deps.pool, this.name);
    if (!reg) return;
    const prefix = `${this.deps.namespace}_${this.name}_v`;
    const { rows } = await this.deps.pool.query(`SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1)`, [prefix]);
    for (const { nspname } of rows) {
      const version = Number(String(nspname).slice(prefix.length));
      if (Number.isInteger(version) && version < reg.activeVersion) this.scheduleDrop(version);
    }
  }
}
