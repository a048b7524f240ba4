import { DynamicModule, MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { APP_PIPE } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { AppConfig, CommonModule, JsonLogger } from '@es/common';
import { KafkaModule } from '@es/kafka';
import { CommandDispatcher } from './dispatch/command-dispatcher.service';
import { CommandValidationPipe } from './http/command-validation.pipe';
import { JsonBodyMiddleware } from './http/json-body.middleware';
import { CommandHandlers as InventoryCommandHandlers } from './inventory/commands/handlers';
import { ProductsController } from './inventory/products.controller';
import { CommandHandlers as OrderCommandHandlers } from './orders/commands/handlers';
import { OrdersController } from './orders/orders.controller';
import { COMMAND_TRANSPORT_PROVIDERS } from './transport/command-transport.provider';

/**
 * HTTP → validated command → CommandBus → handler → Kafka command topic, then the processor's reply.
 * Nothing here holds write-side state: the processor decides, this API only validates and waits.
 */
@Module({})
export class CommandApiModule implements NestModule {
  static forRoot(config: AppConfig, logger: JsonLogger): DynamicModule {
    return {
      module: CommandApiModule,
      imports: [CommonModule.forApp(config, logger), KafkaModule.forRoot({ provisionTopics: true }), CqrsModule.forRoot()],
      controllers: [ProductsController, OrdersController],
      providers: [
        // Global so that no endpoint can forget it: a body that skips validation would reach Kafka.
        { provide: APP_PIPE, useClass: CommandValidationPipe },
        ...COMMAND_TRANSPORT_PROVIDERS,
        CommandDispatcher,
        ...InventoryCommandHandlers,
        ...OrderCommandHandlers,
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(JsonBodyMiddleware).forRoutes({ path: '*path', method: RequestMethod.POST });
  }
}
