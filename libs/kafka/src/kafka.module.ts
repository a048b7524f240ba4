import { DynamicModule, Global, Inject, Injectable, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { Admin, Kafka } from 'kafkajs';
import { APP_CONFIG, AppConfig, HealthRegistry, JsonLogger } from '@es/common';
import { createKafka } from './kafka-client.factory';
import { KafkaHealthIndicator } from './kafka-health.indicator';
import { namespaceTopics, provisionTopics } from './topic-provisioner';

export const KAFKA = Symbol('KAFKA');
export const KAFKA_ADMIN = Symbol('KAFKA_ADMIN');

export interface KafkaModuleOptions {
  /** Create/check the namespace's topics at boot (idempotent; every app may do it). */
  readonly provisionTopics?: boolean;
}

@Injectable()
class KafkaLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(KAFKA_ADMIN) private readonly admin: Admin,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject('KAFKA_MODULE_OPTIONS') private readonly options: KafkaModuleOptions,
    private readonly health: HealthRegistry,
    private readonly logger: JsonLogger,
  ) {}

  async onModuleInit(): Promise<void> {
    try {
      await this.admin.connect();
    } catch (error) {
      throw new Error(`cannot reach Kafka at ${this.config.kafka.brokers.join(',')} (KAFKA_BROKERS): ${(error as Error).message}`, { cause: error });
    }
    this.health.register(new KafkaHealthIndicator(this.admin));
    if (this.options.provisionTopics) {
      await provisionTopics(this.admin, namespaceTopics(this.config.namespace, this.config.topics), this.config.topics.replicationFactor);
      this.logger.event('info', 'topics provisioned', { namespace: this.config.namespace });
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.admin.disconnect().catch(() => undefined);
  }
}

/** The app's kafkajs client and a connected admin, with readiness reporting. */
@Global()
@Module({})
export class KafkaModule {
  static forRoot(options: KafkaModuleOptions = {}): DynamicModule {
    return {
      module: KafkaModule,
      providers: [
        { provide: 'KAFKA_MODULE_OPTIONS', useValue: options },
        {
          provide: KAFKA,
          inject: [APP_CONFIG, JsonLogger],
          useFactory: (config: AppConfig, logger: JsonLogger): Kafka => createKafka(config.kafka, logger),
        },
        { provide: KAFKA_ADMIN, inject: [KAFKA], useFactory: (kafka: Kafka): Admin => kafka.admin() },
        KafkaLifecycle,
      ],
      exports: [KAFKA, KAFKA_ADMIN],
    };
  }
}
