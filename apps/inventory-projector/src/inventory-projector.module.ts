import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, CommonModule, JsonLogger } from '@es/common';
import { KafkaModule } from '@es/kafka';
import { ProjectorModule, productStockProjection } from '@es/projections';
import { DatabaseModule } from '@es/read-models';

/** /health and /metrics over HTTP, and the inventory projection (libs/projections/src/inventory/product-stock.fold.ts). */
@Module({})
export class InventoryProjectorModule {
  static forRoot(config: AppConfig, logger: JsonLogger): DynamicModule {
    return {
      module: InventoryProjectorModule,
      imports: [
        CommonModule.forApp(config, logger),
        KafkaModule.forRoot({ provisionTopics: true }),
        DatabaseModule.forRoot(),
        ProjectorModule.forProjection(productStockProjection),
      ],
    };
  }
}
