import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { Gauge } from 'prom-client';
import type { Pool } from 'pg';
import { APP_CONFIG, AppConfig, Metrics } from '@es/common';
import { metaSchema, PROCESS_DEAD_LETTER_OWNERS, PROJECTION_NAMES, type DeadLetterStatus } from '@es/read-models';
import { READ_POOL } from '../shared/read-database';

const STATUSES: readonly DeadLetterStatus[] = ['PENDING', 'RETRYING', 'SKIPPED', 'RESOLVED'];

/**
 * `es_dead_letters{projection, status}` on the query API's /metrics: the dead letters of every
 * projection by status, counted in PostgreSQL on each scrape (one GROUP BY). Every known
 * projection × status is reported, 0 included, so `es_dead_letters{status="PENDING"} > 0` alerts work
 * from the first scrape. Served here because the query API is the one app that sees them all.
 */
@Injectable()
export class DeadLetterMetrics implements OnModuleInit {
  constructor(
    private readonly metrics: Metrics,
    @Inject(READ_POOL) private readonly pool: Pool,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    const table = `"${metaSchema(this.config.namespace)}".projection_dead_letters`;
    const pool = this.pool;
    this.metrics.gauge(
      'es_dead_letters',
      'Dead letters of the projections and the fulfillment saga, by status',
      ['projection', 'status'],
      async function (this: Gauge) {
        const counts = new Map<string, number>();
        try {
          const { rows } = await pool.query(`SELECT projection, status, count(*)::int AS n FROM ${table} GROUP BY projection, status`);
          for (const r of rows) counts.set(`${r.projection}:${r.status}`, r.n);
        } catch {
          // Database down or meta schema not created yet: report what is known (zeros), not a failed scrape.
        }
        this.reset();
        const names = new Set<string>([...PROJECTION_NAMES, ...PROCESS_DEAD_LETTER_OWNERS, ...[...counts.keys()].map((k) => k.slice(0, k.lastIndexOf(':')))]);
        for (const projection of names) for (const status of STATUSES) this.set({ projection, status }, counts.get(`${projection}:${status}`) ?? 0);
      },
    );
  }
}
