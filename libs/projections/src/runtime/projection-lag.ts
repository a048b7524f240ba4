import type { Admin } from 'kafkajs';
import type { Gauge } from 'prom-client';
import { withTimeout, type Metrics } from '@es/common';
import type { ProjectionMetaRepository } from '@es/read-models';
import type { Sql } from '@es/read-models';
import { BROKER_ANSWER_WAIT_MS } from '@es/kafka';

export interface PartitionLag {
  readonly partition: number;
  /** Records the partition holds beyond the checkpoint (end offset − 1 − checkpoint, ≥ 0). */
  readonly lag: number;
}

export interface VersionLag {
  readonly version: number;
  readonly partitions: readonly PartitionLag[];
  readonly total: number;
}

/** Every probe of a process, per registry: one gauge family serves all projections it runs. */
const probes = new WeakMap<Metrics, Set<ProjectionLagProbe>>();
const CACHE_MS = 500;

/**
 * Lag of one projection's running versions, measured when asked (a Prometheus scrape, /health):
 * the topic's end offsets from Kafka against the checkpoints in PostgreSQL — the same arithmetic as
 * `GET /projections`. Shared for half a second, so a scrape and a health check cost one round trip
 * each to the broker and the database. The gauges:
 *
 * - `es_projection_lag_records{projection, version, partition}`;
 * - `es_projection_last_event_age_seconds{projection, version, partition}`: now − occurredAt of the
 *   last applied event while the partition has lag, 0 once caught up (an idle projection is not
 *   stale). The raw `es_projection_last_applied_event_timestamp_seconds` is set by the runner.
 */
export class ProjectionLagProbe {
  private cached?: { at: number; value: Promise<VersionLag[]> };

  constructor(
    readonly projection: string,
    private readonly topic: string,
    private readonly versions: () => number[],
    private readonly deps: { admin: Admin; pool: Sql; meta: ProjectionMetaRepository },
  ) {}

  measure(): Promise<VersionLag[]> {
    if (this.cached && Date.now() - this.cached.at < CACHE_MS) return this.cached.value;
    const value = this.read();
    this.cached = { at: Date.now(), value };
    value.catch(() => (this.cached = undefined));
    return value;
  }

  private async read(): Promise<VersionLag[]> {
    const versions = this.versions();
    if (versions.length === 0) return [];
    // Bounded: the gauges then leave the projection out (lag unknown) and /health reports the failure.
    const ends = await withTimeout(
      this.deps.admin.fetchTopicOffsets(this.topic),
      BROKER_ANSWER_WAIT_MS,
      `Kafka did not return end offsets within ${BROKER_ANSWER_WAIT_MS} ms`,
    );
    return Promise.all(
      versions.map(async (version) => {
        const checkpoints = await this.deps.meta.checkpointsOf(this.deps.pool, this.projection, version);
        const partitions = ends.map(({ partition, high }) => {
          const checkpoint = checkpoints.find((c) => c.topic === this.topic && c.partition === partition)?.offset ?? -1;
          return { partition, lag: Math.max(0, Number(high) - 1 - checkpoint) };
        });
        return { version, partitions, total: partitions.reduce((sum, p) => sum + p.lag, 0) };
      }),
    );
  }

  /** Exposes this probe on the process's /metrics; `detach` when the projection stops. */
  attach(metrics: Metrics): void {
    let set = probes.get(metrics);
    if (!set) {
      set = new Set();
      probes.set(metrics, set);
      registerGauges(metrics, set);
    }
    set.add(this);
  }

  detach(metrics: Metrics): void {
    probes.get(metrics)?.delete(this);
  }
}

function registerGauges(metrics: Metrics, set: Set<ProjectionLagProbe>): void {
  const labelNames = ['projection', 'version', 'partition'];
  const timestamps = metrics.gauge(
    'es_projection_last_applied_event_timestamp_seconds',
    'occurredAt (Unix seconds) of the last event a projection applied, per partition',
    labelNames,
  );
  // Both gauges are collected concurrently on a scrape; the probes' half-second cache makes them
  // share one measurement.
  const measureAll = async () => {
    const measured = await Promise.all([...set].map(async (probe) => ({ probe, versions: await probe.measure().catch(() => [] as VersionLag[]) })));
    return measured.flatMap(({ probe, versions }) =>
      versions.flatMap((v) =>
        v.partitions.map((p) => ({ labels: { projection: probe.projection, version: String(v.version), partition: String(p.partition) }, lag: p.lag })),
      ),
    );
  };
  metrics.gauge('es_projection_lag_records', 'Records a projection version has not applied yet, per partition', labelNames, async function (this: Gauge) {
    const rows = await measureAll();
    this.reset();
    for (const { labels, lag } of rows) this.set(labels, lag);
  });
  metrics.gauge(
    'es_projection_last_event_age_seconds',
    'Seconds since the last applied event occurred while the partition lags; 0 when caught up',
    labelNames,
    async function (this: Gauge) {
      const [rows, stamps] = await Promise.all([measureAll(), timestamps.get()]);
      const key = (l: Record<string, string | number | undefined>) => `${l.projection}:${l.version}:${l.partition}`;
      const byKey = new Map(stamps.values.map((v) => [key(v.labels), v.value]));
      const now = Date.now() / 1000;
      this.reset();
      for (const { labels, lag } of rows) {
        const stamp = byKey.get(key(labels));
        this.set(labels, lag > 0 && stamp !== undefined ? Math.max(0, now - stamp) : 0);
      }
    },
  );
}
