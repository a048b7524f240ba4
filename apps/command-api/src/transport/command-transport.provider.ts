import { Injectable, OnApplicationShutdown, OnModuleInit, Provider } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { APP_CONFIG, AppConfig, HealthIndicator, HealthRegistry, HealthResult, JsonLogger, Metrics } from '@es/common';
import { createKafka, FAIL_FAST_RETRY, KAFKA, KafkaCommandTransport } from '@es/kafka';

/** The transport itself; the class is its injection token. */
export const commandTransportProvider: Provider = {
  provide: KafkaCommandTransport,
  inject: [KAFKA, APP_CONFIG, JsonLogger, Metrics],
  useFactory: (kafka: Kafka, config: AppConfig, logger: JsonLogger, metrics: Metrics) =>
    new KafkaCommandTransport(kafka, {
      namespace: config.namespace,
      timeoutMs: config.commandTimeoutMs,
      logger,
      metrics,
      // With the broker down a request gets its 503 in about a second, not a 504 after COMMAND_TIMEOUT_MS.
      producerKafka: createKafka(config.kafka, logger, undefined, FAIL_FAST_RETRY),
    }),
};

/** Readiness: the API can only accept commands once it is subscribed to the replies topic. */
export class CommandTransportHealthIndicator implements HealthIndicator {
  readonly name = 'command-transport';
  constructor(private readonly transport: KafkaCommandTransport) {}

  async check(): Promise<HealthResult> {
    return { ok: this.transport.isReady(), detail: { instanceId: this.transport.instanceId } };
  }
}

/**
 * Starts the transport at boot and stops it last. It lives in the root module so that Nest runs its
 * init hook after KafkaModule's, which provisions the replies topic this one subscribes to.
 */
@Injectable()
export class CommandTransportLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    private readonly transport: KafkaCommandTransport,
    private readonly health: HealthRegistry,
    private readonly logger: JsonLogger,
  ) {}

  async onModuleInit(): Promise<void> {
    this.health.register(new CommandTransportHealthIndicator(this.transport));
    this.health.register(this.transport.replyConsumerHealth());
    await this.transport.start();
    this.logger.event('info', 'command transport ready', { instanceId: this.transport.instanceId });
  }

  // onApplicationShutdown runs after the HTTP server has closed, so no request is still waiting for
  // a reply when the replies consumer leaves its group.
  async onApplicationShutdown(): Promise<void> {
    await this.transport.stop();
  }
}

export const COMMAND_TRANSPORT_PROVIDERS = [commandTransportProvider, CommandTransportLifecycle];
