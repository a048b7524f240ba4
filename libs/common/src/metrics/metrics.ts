import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * One Prometheus registry per process. Metric names are prefixed `es_`; the app label tells the six
 * deployables apart when they are scraped into one Prometheus.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly cache = new Map<string, Counter | Gauge | Histogram>();

  constructor(app: string) {
    this.registry.setDefaultLabels({ app });
    collectDefaultMetrics({ register: this.registry, prefix: 'es_process_' });
  }

  counter(name: string, help: string, labelNames: string[] = []): Counter {
    return this.getOrCreate(name, () => new Counter({ name, help, labelNames, registers: [this.registry] })) as Counter;
  }

  gauge(name: string, help: string, labelNames: string[] = []): Gauge {
    return this.getOrCreate(name, () => new Gauge({ name, help, labelNames, registers: [this.registry] })) as Gauge;
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
