import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Admin, Kafka } from 'kafkajs';
import { AppConfig, HealthRegistry, JsonLogger, Metrics } from '@es/common';
import { KAFKA, KAFKA_ADMIN } from '@es/kafka';
import type { ProjectionInfo, ReadModelStore } from '@es/read-models';
import { ProjectorStrategy } from './projector.strategy';

/**
 * Hybrid app wiring for a projector: the HTTP side (/health, /metrics) comes from bootstrap(), the
 * projector runs as a connected microservice with the custom transport. The app is initialised
 * first so that the meta schema is migrated and the Kafka admin connected before consuming starts.
 */
export async function connectProjector(
  app: NestExpressApplication,
  config: AppConfig,
  logger: JsonLogger,
  projection: { info: ProjectionInfo; store: ReadModelStore<any> },
): Promise<void> {
  await app.init();
  const strategy = new ProjectorStrategy({
    ...projection,
    config,
    logger,
    kafka: app.get<Kafka>(KAFKA),
    admin: app.get<Admin>(KAFKA_ADMIN),
    metrics: app.get(Metrics),
    health: app.get(HealthRegistry),
  });
  app.connectMicroservice({ strategy });
  await app.startAllMicroservices();
}
