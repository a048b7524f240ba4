import type { DataSource } from 'typeorm';
import type { HealthIndicator, HealthResult } from '@es/common';

export class PostgresHealthIndicator implements HealthIndicator {
  readonly name = 'postgres';
  constructor(private readonly dataSource: DataSource) {}

  async check(): Promise<HealthResult> {
    await this.dataSource.query('SELECT 1');
    return { ok: true };
  }
}
