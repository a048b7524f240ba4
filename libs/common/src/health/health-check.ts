import { withTimeout } from '../async/with-timeout';

/** A dependency the app needs to serve traffic (Kafka, PostgreSQL, partition restore …). */
export interface HealthIndicator {
  readonly name: string;
  check(): Promise<HealthResult>;
}

export interface HealthResult {
  readonly ok: boolean;
  readonly detail?: Record<string, unknown> | string;
}

export interface HealthReport {
  readonly status: 'ok' | 'unavailable';
  readonly checks: Record<string, HealthResult>;
}

/** Registry that the readiness endpoint walks; apps and libs add their indicators at boot. */
export class HealthRegistry {
  private readonly indicators: HealthIndicator[] = [];

  register(indicator: HealthIndicator): void {
    this.indicators.push(indicator);
  }

  async report(timeoutMs = 2000): Promise<HealthReport> {
    const checks: Record<string, HealthResult> = {};
    await Promise.all(
      this.indicators.map(async (indicator) => {
        checks[indicator.name] = await withTimeout(indicator.check(), timeoutMs, `health check timed out after ${timeoutMs} ms`).catch((error: Error) => ({
          ok: false,
          detail: error.message,
        }));
      }),
    );
    const ok = Object.values(checks).every((c) => c.ok);
    return { status: ok ? 'ok' : 'unavailable', checks };
  }
}
