import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, CommonModule, JsonLogger } from '@es/common';
import { KafkaModule } from '@es/kafka';
import { DatabaseModule } from '@es/read-models';

@Module({})
export class QueryApiModule {
  static forRoot(config: AppConfig, logger: JsonLogger): DynamicModule {
    return {
      module: QueryApiModule,
      imports: [CommonModule.forApp(config, logger), KafkaModule.forRoot(), DatabaseModule.forRoot()],
    };
  }
}
