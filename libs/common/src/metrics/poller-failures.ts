import type { JsonLogger } from '../logging/json-logger';
import type { Metrics } from './metrics';

/**
 * For background loops (pollers, timers) whose failure must not crash the process but must not
 * vanish either: every failure is counted in `es_poller_failures_total{poller}` and logged at warn
 * — the first one, then at most one line per poller every `logEveryMs` (a 100 ms poller against a
 * dead database would otherwise flood the log).
 */
export class PollerFailures {
  private readonly lastLogged = new Map<string, number>();

  constructor(
    private readonly logger: JsonLogger,
    private readonly metrics?: Metrics,
    private readonly logEveryMs = 10_000,
  ) {}

  /** `.catch(failures.report('projection.stopped-partitions'))` */
  report(poller: string, context: Record<string, unknown> = {}): (error: unknown) => void {
    return (error: unknown) => {
      this.metrics?.counter('es_poller_failures_total', 'Failed runs of background pollers and timers, by poller', ['poller']).inc({ poller });
      const now = Date.now();
      if (now - (this.lastLogged.get(poller) ?? -Infinity) < this.logEveryMs) return;
      this.lastLogged.set(poller, now);
      this.logger.event('warn', 'background poller failed', { poller, ...context, error: error instanceof Error ? error.message : String(error) });
    };
  }
}
