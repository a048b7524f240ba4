import { DynamicModule, Global, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import type { AppConfig } from './config/app-config';
import { HealthRegistry } from './health/health-check';
import { HealthController } from './health/health.controller';
import { CorrelationMiddleware } from './http/correlation.middleware';
import { JsonLogger } from './logging/json-logger';
import { Metrics } from './metrics/metrics';
import { MetricsController } from './metrics/metrics.controller';
import { APP_CONFIG } from './tokens';

/** Config, JSON logging, health and metrics: what every deployable has. */
@Global()
@Module({})
export class CommonModule implements NestModule {
  static forApp(config: AppConfig, logger: JsonLogger): DynamicModule {
    return {
      module: CommonModule,
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: JsonLogger, useValue: logger },
        { provide: Metrics, useValue: new Metrics(config.app) },
        { provide: HealthRegistry, useValue: new HealthRegistry() },
      ],
      exports: [APP_CONFIG, JsonLogger, Metrics, HealthRegistry],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(CorrelationMiddleware).forRoutes('*path');
  }
}
