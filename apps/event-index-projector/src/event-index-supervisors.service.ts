import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Admin, Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { APP_CONFIG, AppConfig, HealthRegistry, JsonLogger, Metrics } from '@es/common';
import { KAFKA, KAFKA_ADMIN } from '@es/kafka';
import { eventIndexSpec, ProjectionSupervisor } from '@es/projections';
import { createPool, EVENT_INDEX_PROJECTIONS } from '@es/read-models';

/**
 * Runs one ProjectionSupervisor per context's event index (live version plus, while one is
 * requested, its blue/green rebuild), exactly as the orders and inventory projectors run theirs.
 * Started after every module is initialised (meta schema migrated, Kafka admin connected) and
 * stopped before Kafka and the database are closed.
 */
@Injectable()
export class EventIndexSupervisors implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly supervisors: ProjectionSupervisor[] = [];
  private pool?: Pool;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(KAFKA_ADMIN) private readonly admin: Admin,
    private readonly logger: JsonLogger,
    private readonly metrics: Metrics,
    private readonly health: HealthRegistry,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const settings = this.config.projection;
    const { config, logger } = this;
    this.pool = createPool(
      { connectionString: config.databaseUrl, max: 8, application_name: `${config.app}-projector` },
      (error) => logger.event('warn', 'database connection lost', { error: error.message }),
      config.databaseTimeouts,
    );
    const deps = {
      kafka: this.kafka,
      admin: this.admin,
      pool: this.pool,
      databaseUrl: config.databaseUrl,
      databaseTimeouts: config.databaseTimeouts,
      namespace: config.namespace,
      logger,
      metrics: this.metrics,
    };
    for (const info of Object.values(EVENT_INDEX_PROJECTIONS)) {
      const supervisor = new ProjectionSupervisor(eventIndexSpec(info, settings), deps, {
        dropOldVersionAfterMs: settings.dropOldVersionAfterMs,
        maxLag: settings.healthMaxLag,
      });
      this.health.register(supervisor.health());
      this.supervisors.push(supervisor);
    }
    await Promise.all(this.supervisors.map((s) => s.start()));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.supervisors.map((s) => s.stop()));
    await this.pool?.end().catch(() => undefined);
  }
}
