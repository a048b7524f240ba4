import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import { APP_CONFIG, AppConfig, JsonLogger } from '@es/common';
import { createPool } from '@es/read-models';

export const READ_POOL = Symbol('READ_POOL');

export const readPoolProvider = {
  provide: READ_POOL,
  inject: [APP_CONFIG, JsonLogger],
  // node-postgres directly: plain keyset SQL against whichever version schema is active.
  useFactory: (config: AppConfig, logger: JsonLogger) =>
    createPool(
      { connectionString: config.databaseUrl, max: 10, application_name: 'query-api' },
      (error) => logger.event('warn', 'database connection lost', { error: error.message }),
      config.databaseTimeouts,
    ),
};

@Injectable()
export class ReadPoolLifecycle implements OnApplicationShutdown {
  constructor(@Inject(READ_POOL) private readonly pool: Pool) {}
  async onApplicationShutdown(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }
}
