import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, CommonModule, JsonLogger } from '@es/common';
import { KafkaModule } from '@es/kafka';
import { DatabaseModule } from '@es/read-models';
import { ProductStockProjection } from './product-stock.projection';

@Module({})
export class InventoryProjectorModule {
  static forRoot(config: AppConfig, logger: JsonLogger): DynamicModule {
    return {
      module: InventoryProjectorModule,
      imports: [CommonModule.forApp(config, logger), KafkaModule.forRoot({ provisionTopics: true }), DatabaseModule.forRoot()],
      controllers: [ProductStockProjection],
    };
  }
}
