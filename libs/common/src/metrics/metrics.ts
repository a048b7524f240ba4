import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Resolution of prom-client's event-loop delay monitor (its default is 10 ms). */
export const EVENT_LOOP_MONITORING_PRECISION_MS = 100;

/**
 * One Prometheus registry per process. The system's own metric names are prefixed `es_`; Node's
 * default metrics keep their standard names (`process_cpu_seconds_total`, `nodejs_heap_size_used_bytes`
 * …) so that stock dashboards work, and HTTP durations use the common `http_request_duration_seconds`.
 * The app label tells the deployables apart when they are scraped into one Prometheus.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly cache = new Map<string, Counter | Gauge | Histogram>();

  constructor(app: string) {
    this.registry.setDefaultLabels({ app });
    // The event-loop delay histogram samples with a libuv timer: at prom-client's 10 ms default that
    // timer woke every idle app 100 times a second (strace: ~200 of its ~230 epoll_wait calls a
    // second at rest). 100 ms still gives ten samples a second for the nodejs_eventloop_lag_p* series.
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: EVENT_LOOP_MONITORING_PRECISION_MS });
  }

  counter(name: string, help: string, labelNames: string[] = []): Counter {
    return this.getOrCreate(name, () => new Counter({ name, help, labelNames, registers: [this.registry] })) as Counter;
  }

  /** `collect` (optional) runs on every scrape and may set the gauge's values first (it may be async). */
  gauge(name: string, help: string, labelNames: string[] = [], collect?: (this: Gauge) => void | Promise<void>): Gauge {
    return this.getOrCreate(name, () => new Gauge({ name, help, labelNames, registers: [this.registry], ...(collect ? { collect } : {}) })) as Gauge;
  }

  histogram(name: string, help: string, labelNames: string[] = [], buckets?: number[]): Histogram {
    return this.getOrCreate(
      name,
      () =>
        new Histogram({
          name,
          help,
          labelNames,
          buckets: buckets ?? [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
          registers: [this.registry],
        }),
    ) as Histogram;
  }

  private getOrCreate(name: string, create: () => Counter | Gauge | Histogram) {
    let metric = this.cache.get(name);
    if (!metric) {
      metric = create();
      this.cache.set(name, metric);
    }
    return metric;
  }
}
