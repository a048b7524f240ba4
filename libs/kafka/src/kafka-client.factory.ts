import { readFileSync } from 'node:fs';
import { Kafka, KafkaConfig, logLevel, SASLOptions } from 'kafkajs';
import type { JsonLogger, KafkaSettings } from '@es/common';

const LEVEL_NAMES: Record<number, 'debug' | 'info' | 'warn' | 'error'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** Builds the kafkajs client from validated settings, with TLS/SASL for real clusters. */
export function createKafka(settings: KafkaSettings, logger?: JsonLogger, clientIdSuffix?: string): Kafka {
  const config: KafkaConfig = {
    clientId: clientIdSuffix ? `${settings.clientId}-${clientIdSuffix}` : settings.clientId,
    brokers: [...settings.brokers],
    connectionTimeout: settings.connectionTimeoutMs,
    requestTimeout: settings.requestTimeoutMs,
    retry: { initialRetryTime: 100, retries: 8, maxRetryTime: 5000 },
    logLevel: logLevel.WARN,
    logCreator: () => (entry) => {
      // kafkajs logs every retried connection at ERROR; our own code reports real failures.
      const level = LEVEL_NAMES[entry.level] ?? 'info';
      logger?.event(level === 'error' ? 'warn' : level, `kafkajs: ${entry.log.message}`, {
        namespace: entry.namespace,
        broker: (entry.log as { broker?: string }).broker,
      });
    },
  };
  if (settings.ssl) {
    config.ssl = settings.sslCaFile
      ? { ca: [readFileSync(settings.sslCaFile, 'utf8')], rejectUnauthorized: settings.sslRejectUnauthorized }
      : { rejectUnauthorized: settings.sslRejectUnauthorized };
  }
  if (settings.sasl) {
    config.sasl = {
      mechanism: settings.sasl.mechanism,
      username: settings.sasl.username,
      password: settings.sasl.password,
    } as SASLOptions;
  }
  return new Kafka(config);
}
