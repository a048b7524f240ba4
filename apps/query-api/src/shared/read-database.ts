import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import { APP_CONFIG, AppConfig } from '@es/common';

export const READ_POOL = Symbol('READ_POOL');

export const readPoolProvider = {
  provide: READ_POOL,
  inject: [APP_CONFIG],
  // node-postgres directly: plain keyset SQL against whichever version schema is active.
  useFactory: (config: AppConfig) => new Pool({ connectionString: config.databaseUrl, max: 10, application_name: 'query-api' }),
};

@Injectable()
export class ReadPoolLifecycle implements OnApplicationShutdown {
  constructor(@Inject(READ_POOL) private readonly pool: Pool) {}
  async onApplicationShutdown(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }
}
