import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, CommonModule, JsonLogger } from '@es/common';
import { KafkaModule } from '@es/kafka';

@Module({})
export class CommandApiModule {
  static forRoot(config: AppConfig, logger: JsonLogger): DynamicModule {
    return {
      module: CommandApiModule,
      imports: [CommonModule.forApp(config, logger), KafkaModule.forRoot({ provisionTopics: true })],
    };
  }
}
