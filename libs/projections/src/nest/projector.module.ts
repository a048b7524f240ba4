import { BeforeApplicationShutdown, DynamicModule, Inject, Injectable, Module, OnApplicationBootstrap } from '@nestjs/common';
import type { Admin, Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { APP_CONFIG, AppConfig, HealthRegistry, JsonLogger, Metrics } from '@es/common';
import { KAFKA, KAFKA_ADMIN } from '@es/kafka';
import { createPool } from '@es/read-models';
import { projectionSpec, type ProjectionDefinition } from '../runtime/projection-spec';
import { ProjectionSupervisor, type SupervisorOptions } from '../runtime/projection-supervisor';

export const PROJECTION_DEFINITION = Symbol('PROJECTION_DEFINITION');

export interface ProjectorDeps {
  readonly config: AppConfig;
  readonly logger: JsonLogger;
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly metrics?: Metrics;
}

/** The supervisor of one projection and the pool it writes with (closed by whoever stops it). */
export function createProjector(
  definition: ProjectionDefinition,
  { config, logger, kafka, admin, metrics }: ProjectorDeps,
  options: SupervisorOptions & { poolSize?: number } = {},
): { supervisor: ProjectionSupervisor; pool: Pool } {
  const pool = createPool(
    { connectionString: config.databaseUrl, max: options.poolSize ?? 6, application_name: `${config.app}-projector` },
    (error) => logger.event('warn', 'database connection lost', { error: error.message }),
    config.databaseTimeouts,
  );
  const supervisor = new ProjectionSupervisor(
    projectionSpec(definition, config.projection),
    { kafka, admin, pool, databaseUrl: config.databaseUrl, databaseTimeouts: config.databaseTimeouts, namespace: config.namespace, logger, metrics },
    { dropOldVersionAfterMs: config.projection.dropOldVersionAfterMs, maxLag: config.projection.healthMaxLag, ...options },
  );
  return { supervisor, pool };
}

/**
 * Runs the app's projection for the app's lifetime: starts once every module is initialised (the
 * meta schema migrated, the Kafka admin connected) and stops before any module shuts down (its
 * consumers leave their groups while the database and Kafka clients are still open).
 */
@Injectable()
export class Projector implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private running?: { supervisor: ProjectionSupervisor; pool: Pool };

  constructor(
    @Inject(PROJECTION_DEFINITION) private readonly definition: ProjectionDefinition,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly logger: JsonLogger,
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(KAFKA_ADMIN) private readonly admin: Admin,
    private readonly metrics: Metrics,
    private readonly health: HealthRegistry,
  ) {}

  get supervisor(): ProjectionSupervisor | undefined {
    return this.running?.supervisor;
  }

  async onApplicationBootstrap(): Promise<void> {
    const { config, logger, kafka, admin, metrics } = this;
    this.running = createProjector(this.definition, { config, logger, kafka, admin, metrics });
    this.health.register(this.running.supervisor.health());
    await this.running.supervisor.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    const running = this.running;
    this.running = undefined;
    await running?.supervisor.stop();
    await running?.pool.end().catch((error: Error) => this.logger.event('warn', 'closing the projector pool failed', { error: error.message }));
  }
}

/**
 * A projector app's projection: `ProjectorModule.forProjection(productStockProjection)`. The fold
 * table drives the runtime directly — no @EventPattern handlers, no Nest microservice transport
 * (it only re-dispatched to the table and needed a filter to undo Nest's RPC error wrapping).
 */
@Module({})
export class ProjectorModule {
  static forProjection(definition: ProjectionDefinition): DynamicModule {
    return {
      module: ProjectorModule,
      providers: [{ provide: PROJECTION_DEFINITION, useValue: definition }, Projector],
      exports: [Projector],
    };
  }
}
