import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, CommonModule, JsonLogger } from '@es/common';
import { KafkaModule } from '@es/kafka';
import { DatabaseModule } from '@es/read-models';
import { OrderSummaryProjection } from './order-summary.projection';

@Module({})
export class OrdersProjectorModule {
  static forRoot(config: AppConfig, logger: JsonLogger): DynamicModule {
    return {
      module: OrdersProjectorModule,
      imports: [CommonModule.forApp(config, logger), KafkaModule.forRoot({ provisionTopics: true }), DatabaseModule.forRoot()],
      controllers: [OrderSummaryProjection],
    };
  }
}
