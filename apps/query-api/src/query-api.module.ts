import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { randomBytes } from 'node:crypto';
import { AppConfig, CommonModule, JsonLogger } from '@es/common';
import { KafkaModule } from '@es/kafka';
import { DatabaseModule } from '@es/read-models';
import { ADMIN_TOKEN, AdminTokenGuard } from './consistency/admin-token.guard';
import { CheckpointWaiter } from './consistency/checkpoint-waiter.service';
import { MinPositionInterceptor } from './consistency/min-position.interceptor';
import { OrdersController } from './orders/orders.controller';
import { CorrelationsController } from './event-index/correlations.controller';
import { EventIndexReader } from './event-index/event-index-reader.service';
import { DeadLetterMetrics } from './metrics/dead-letter-metrics.service';
import { StreamsController } from './event-index/streams.controller';
import { RatesController } from './event-index/rates.controller';
import { ConsoleController } from './console/console.controller';
import { ProductsController } from './products/products.controller';
import { ProjectionStatusService } from './projections/projection-status.service';
import { ProjectionsController } from './projections/projections.controller';
import { ActiveVersionsService } from './shared/active-versions.service';
import { EventTopicOffsets } from './shared/event-topic-offsets.service';
import { StorableRequestGuard } from './shared/storable-request.guard';
import { DatabaseUnavailableInterceptor } from './shared/database-unavailable.interceptor';
import { ReadPoolLifecycle, readPoolProvider } from './shared/read-database';

@Module({})
export class QueryApiModule {
  static forRoot(config: AppConfig, logger: JsonLogger): DynamicModule {
    let adminToken = config.adminToken;
    if (!adminToken) {
      // Contract: when ADMIN_TOKEN is unset a random one is generated and logged once.
      adminToken = randomBytes(24).toString('base64url');
      logger.event('warn', 'ADMIN_TOKEN is not set; generated an admin token for this process', { adminToken });
    }
    return {
      module: QueryApiModule,
      imports: [CommonModule.forApp(config, logger), KafkaModule.forRoot(), DatabaseModule.forRoot()],
      controllers: [OrdersController, ProductsController, ProjectionsController, StreamsController, CorrelationsController, RatesController, ConsoleController],
      providers: [
        readPoolProvider,
        ReadPoolLifecycle,
        { provide: ADMIN_TOKEN, useValue: adminToken },
        AdminTokenGuard,
        ActiveVersionsService,
        CheckpointWaiter,
        ProjectionStatusService,
        EventIndexReader,
        DeadLetterMetrics,
        EventTopicOffsets,
        { provide: APP_GUARD, useClass: StorableRequestGuard },
        // Registered first, so it is the outermost: it also sees the read-your-writes wait's errors.
        { provide: APP_INTERCEPTOR, useClass: DatabaseUnavailableInterceptor },
        { provide: APP_INTERCEPTOR, useClass: MinPositionInterceptor },
      ],
    };
  }
}
