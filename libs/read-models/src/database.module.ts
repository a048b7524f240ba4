import { DynamicModule, Global, Inject, Injectable, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig, HealthRegistry, JsonLogger } from '@es/common';
import { createDataSource, guardDataSource, metaSchema, migrate } from './database';
import { META_MIGRATIONS } from './migrations/meta';
import { PostgresHealthIndicator } from './postgres-health.indicator';

export const META_DATA_SOURCE = Symbol('META_DATA_SOURCE');

@Injectable()
class DatabaseLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(META_DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly health: HealthRegistry,
    private readonly logger: JsonLogger,
  ) {}

  async onModuleInit(): Promise<void> {
    try {
      await this.dataSource.initialize();
    } catch (error) {
      const url = new URL(this.config.databaseUrl);
      throw new Error(`cannot reach PostgreSQL at ${url.host}${url.pathname} (DATABASE_URL): ${(error as Error).message}`, { cause: error });
    }
    guardDataSource(this.dataSource, (error) => this.logger.event('warn', 'database connection lost', { error: error.message }));
    const applied = await migrate(this.dataSource);
    if (applied.length > 0) this.logger.event('info', 'migrations applied', { schema: metaSchema(this.config.namespace), applied });
    this.health.register(new PostgresHealthIndicator(this.dataSource));
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

/** PostgreSQL connection bound to the namespace's meta schema, migrated at boot. */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        {
          provide: META_DATA_SOURCE,
          inject: [APP_CONFIG],
          useFactory: (config: AppConfig) =>
            createDataSource({
              url: config.databaseUrl,
              schema: metaSchema(config.namespace),
              migrations: META_MIGRATIONS,
              applicationName: config.app,
              timeouts: config.databaseTimeouts,
            }),
        },
        DatabaseLifecycle,
      ],
      exports: [META_DATA_SOURCE],
    };
  }
}
