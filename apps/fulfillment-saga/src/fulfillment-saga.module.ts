import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, CommonModule, JsonLogger } from '@es/common';
import { KafkaModule } from '@es/kafka';
import { FulfillmentSagaService } from './process/fulfillment-saga.service';

@Module({})
export class FulfillmentSagaModule {
  static forRoot(config: AppConfig, logger: JsonLogger): DynamicModule {
    return {
      module: FulfillmentSagaModule,
      imports: [CommonModule.forApp(config, logger), KafkaModule.forRoot({ provisionTopics: true })],
      providers: [FulfillmentSagaService],
    };
  }
}
