import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, CommonModule, JsonLogger } from '@es/common';
import { KafkaModule } from '@es/kafka';
import { orderSummaryProjection, ProjectorModule } from '@es/projections';
import { DatabaseModule } from '@es/read-models';

/** /health and /metrics over HTTP, and the orders projection (libs/projections/src/orders/order-summary.fold.ts). */
@Module({})
export class OrdersProjectorModule {
  static forRoot(config: AppConfig, logger: JsonLogger): DynamicModule {
    return {
      module: OrdersProjectorModule,
      imports: [
        CommonModule.forApp(config, logger),
        KafkaModule.forRoot({ provisionTopics: true }),
        DatabaseModule.forRoot(),
        ProjectorModule.forProjection(orderSummaryProjection),
      ],
    };
  }
}
