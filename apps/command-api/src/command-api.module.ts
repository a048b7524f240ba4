import { DynamicModule, MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { APP_PIPE } from '@nestjs/core';
import { AppConfig, CommonModule, JsonLogger } from '@es/common';
import { KafkaModule } from '@es/kafka';
import { CommandDispatcher } from './dispatch/command-dispatcher.service';
import { CommandValidationPipe } from './http/command-validation.pipe';
import { JsonBodyMiddleware } from './http/json-body.middleware';
import { ProductsController } from './inventory/products.controller';
import { OrdersController } from './orders/orders.controller';
import { COMMAND_TRANSPORT_PROVIDERS } from './transport/command-transport.provider';

/** Every controller of the API; command-routes.spec.ts checks that they route every client command. */
export const COMMAND_CONTROLLERS = [ProductsController, OrdersController];

/**
 * HTTP → validated DTO → the domain's command → CommandDispatcher → Kafka command topic, then the
 * processor's reply. Nothing here holds write-side state: the processor decides, this API only
 * validates and waits.
 *
 * No @nestjs/cqrs CommandBus: with one generic handler keyed by the domain's command union the bus
 * would only forward (and turn a forgotten registration into a run-time CommandNotFoundException);
 * the controller calls the handler directly, typed end to end.
 */
@Module({})
export class CommandApiModule implements NestModule {
  static forRoot(config: AppConfig, logger: JsonLogger): DynamicModule {
    return {
      module: CommandApiModule,
      imports: [CommonModule.forApp(config, logger), KafkaModule.forRoot({ provisionTopics: true })],
      controllers: COMMAND_CONTROLLERS,
      providers: [
        // Global so that no endpoint can forget it: a body that skips validation would reach Kafka.
        { provide: APP_PIPE, useClass: CommandValidationPipe },
        ...COMMAND_TRANSPORT_PROVIDERS,
        CommandDispatcher,
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(JsonBodyMiddleware).forRoutes({ path: '*path', method: RequestMethod.POST });
  }
}
