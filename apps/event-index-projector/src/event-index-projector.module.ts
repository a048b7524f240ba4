import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, CommonModule, JsonLogger } from '@es/common';
import { KafkaModule } from '@es/kafka';
import { DatabaseModule } from '@es/read-models';
import { EventIndexSupervisors } from './event-index-supervisors.service';

@Module({})
export class EventIndexProjectorModule {
  static forRoot(config: AppConfig, logger: JsonLogger): DynamicModule {
    return {
      module: EventIndexProjectorModule,
      imports: [CommonModule.forApp(config, logger), KafkaModule.forRoot({ provisionTopics: true }), DatabaseModule.forRoot()],
      providers: [EventIndexSupervisors],
    };
  }
}
