import type { Admin } from 'kafkajs';
import type { HealthIndicator, HealthResult } from '@es/common';

/** Readiness of the broker connection: a metadata round trip through the app's own admin client. */
export class KafkaHealthIndicator implements HealthIndicator {
  readonly name = 'kafka';
  constructor(private readonly admin: Admin) {}

  async check(): Promise<HealthResult> {
    const cluster = await this.admin.describeCluster();
    return { ok: cluster.brokers.length > 0, detail: { brokers: cluster.brokers.length, controller: cluster.controller } };
  }
}
