import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Client, type Pool } from 'pg';
import { APP_CONFIG, AppConfig, JsonLogger } from '@es/common';
import type { Position } from '@es/event-store';
import { topics } from '@es/kafka';
import { checkpointChannel, metaSchema, PROJECTIONS } from '@es/read-models';
import { READ_POOL } from '../shared/read-database';

const POLL_MS = 100;

/**
 * Read-your-writes: waits until every projection that reads the position's context has, in its
 * active version, checkpointed that partition at or past the position's offset. Woken by the
 * projectors' NOTIFY (sent in the batch transaction, so delivered exactly at commit); a short poll
 * covers a lost listener connection.
 */
@Injectable()
export class CheckpointWaiter implements OnModuleInit, OnModuleDestroy {
  private listener?: Client;
  private readonly wakers = new Set<() => void>();
  private closed = false;

  constructor(
    @Inject(READ_POOL) private readonly pool: Pool,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly logger: JsonLogger,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.listen().catch((error) => this.logger.event('warn', 'LISTEN failed; read-your-writes falls back to polling', { error: (error as Error).message }));
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    await this.listener?.end().catch(() => undefined);
  }

  /** True once applied; false if `timeoutMs` passed first. */
  async waitUntilApplied(position: Position, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (await this.applied(position)) return true;
      const remaining = deadline - Date.now();
      if (remaining <= 0) return false;
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.wakers.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, Math.min(remaining, POLL_MS));
        this.wakers.add(wake);
      });
    }
  }

  async applied(position: Position): Promise<boolean> {
    const names = Object.values(PROJECTIONS).filter((p) => p.context === position.context).map((p) => p.name);
    const meta = metaSchema(this.config.namespace);
    const { rows } = await this.pool.query(
      `SELECT r.name, c."offset" FROM "${meta}".projection_registry r
         LEFT JOIN "${meta}".projection_checkpoints c
           ON c.projection = r.name AND c.version = r.active_version AND c.topic = $1 AND c.partition = $2
        WHERE r.name = ANY($3::text[])`,
      [topics.events(this.config.namespace, position.context), position.partition, names],
    );
    return rows.length === names.length && rows.every((r) => r.offset !== null && BigInt(r.offset) >= BigInt(position.offset));
  }

  private async listen(): Promise<void> {
    if (this.closed) return;
    const client = new Client({ connectionString: this.config.databaseUrl, application_name: 'query-api-listen' });
    client.on('notification', () => {
      for (const wake of [...this.wakers]) wake();
    });
    client.on('error', () => {
      this.listener = undefined;
      client.end().catch(() => undefined);
      setTimeout(() => void this.listen().catch(() => undefined), 1000).unref();
    });
    await client.connect();
    await client.query(`LISTEN "${checkpointChannel(this.config.namespace)}"`);
    this.listener = client;
  }
}
