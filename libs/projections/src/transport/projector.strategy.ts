import { CustomTransportStrategy, MessageHandler, Server } from '@nestjs/microservices';
import { isObservable, lastValueFrom } from 'rxjs';
import type { Admin, Kafka } from 'kafkajs';
import { Pool } from 'pg';
import { AppConfig, EnvReader, HealthRegistry, JsonLogger, Metrics } from '@es/common';
import type { StoredEvent } from '@es/event-store';
import { createPool, type ProjectionInfo, type ReadModelStore } from '@es/read-models';
import type { FoldInput } from '../runtime/projection-fold';
import type { DeadLetterPolicy, FoldHandler, ProjectionSpec } from '../runtime/projection-spec';
import { ProjectionSupervisor, type SupervisorOptions } from '../runtime/projection-supervisor';

export interface ProjectorStrategyOptions {
  readonly info: ProjectionInfo;
  readonly store: ReadModelStore<any>;
  readonly config: AppConfig;
  readonly logger: JsonLogger;
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly metrics?: Metrics;
  readonly health?: HealthRegistry;
  readonly supervisor?: SupervisorOptions;
}

/** Projector tuning that is not part of the shared AppConfig; validated like the rest (design §5.6). */
export function readProjectorSettings(env: NodeJS.ProcessEnv = process.env): { deadLetterPolicy: DeadLetterPolicy; maxAttempts: number; dropOldVersionAfterMs: number; healthMaxLag: number } {
  const read = new EnvReader(env);
  const settings = {
    deadLetterPolicy: read.oneOf<DeadLetterPolicy>('PROJECTION_DEAD_LETTER_POLICY', 'stop', ['stop', 'skip']),
    maxAttempts: read.int('PROJECTION_MAX_ATTEMPTS', 3, 1, 100),
    dropOldVersionAfterMs: read.int('PROJECTION_DROP_OLD_VERSION_AFTER_MS', 10000, 0, 3600000),
    healthMaxLag: read.int('PROJECTION_HEALTH_MAX_LAG', 0, 0, 1_000_000_000),
  };
  read.done();
  return settings;
}

/**
 * A Nest microservice transport whose "messages" are the records of an events topic. Handlers are
 * registered with `@EventPattern('<EventType>')` and are pure fold steps ({state, event} → row);
 * the transport does not dispatch records one by one but hands the fold table to the projector
 * runtime, which calls the handlers per event inside each batch transaction. Event types without a
 * handler are ignored, which is how a projection declares what it applies.
 */
export class ProjectorStrategy extends Server implements CustomTransportStrategy {
  private supervisor?: ProjectionSupervisor;
  private pool?: Pool;

  constructor(private readonly options: ProjectorStrategyOptions) {
    super();
  }

  /** The fold table built from the registered @EventPattern handlers. */
  folds(): Map<string, FoldHandler<any>> {
    const folds = new Map<string, FoldHandler<any>>();
    for (const [pattern, handler] of this.getHandlers()) folds.set(pattern, toFold(handler));
    return folds;
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      const { config, logger } = this.options;
      const settings = readProjectorSettings();
      const spec: ProjectionSpec = {
        info: this.options.info,
        store: this.options.store,
        folds: this.folds(),
        deadLetterPolicy: settings.deadLetterPolicy,
        maxAttempts: settings.maxAttempts,
      };
      this.pool = createPool({ connectionString: config.databaseUrl, max: 6, application_name: `${config.app}-projector` }, (error) =>
        logger.event('warn', 'database connection lost', { error: error.message }),
        config.databaseTimeouts,
      );
      this.supervisor = new ProjectionSupervisor(
        spec,
        { kafka: this.options.kafka, admin: this.options.admin, pool: this.pool, databaseUrl: config.databaseUrl, databaseTimeouts: config.databaseTimeouts, namespace: config.namespace, logger, metrics: this.options.metrics },
        { dropOldVersionAfterMs: settings.dropOldVersionAfterMs, maxLag: settings.healthMaxLag, ...this.options.supervisor },
      );
      this.options.health?.register(this.supervisor.health());
      await this.supervisor.start();
      callback();
    } catch (error) {
      callback(error);
    }
  }

  unwrap<T>(): T {
    return this.supervisor as T;
  }

  on(): void {
    // No transport-level events to subscribe to.
  }

  async close(): Promise<void> {
    await this.supervisor?.stop();
    await this.pool?.end().catch(() => undefined);
    this.supervisor = undefined;
    this.pool = undefined;
  }
}

/**
 * Nest wraps handlers (pipes, interceptors, exception filters); the wrapper may answer with a
 * Promise or an Observable, and turns a thrown error into an erroring Observable.
 */
function toFold(handler: MessageHandler): FoldHandler<any> {
  return async (state: unknown, event: StoredEvent) => {
    const input: FoldInput<unknown> = { state, event };
    let result: unknown = await handler(input);
    if (isObservable(result)) result = await lastValueFrom(result, { defaultValue: undefined });
    return result as any;
  };
}
