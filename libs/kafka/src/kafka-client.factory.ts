import { readFileSync } from 'node:fs';
import { Kafka, KafkaConfig, logLevel, RetryOptions, SASLOptions } from 'kafkajs';
import type { JsonLogger, KafkaSettings } from '@es/common';

const LEVEL_NAMES: Record<number, 'debug' | 'info' | 'warn' | 'error'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** The default connection retry: rides out a broker restart of several seconds. */
export const DEFAULT_CLIENT_RETRY: RetryOptions = { initialRetryTime: 100, retries: 8, maxRetryTime: 5000 };

/**
 * For a client whose caller is waiting (an HTTP request): a dead broker is reported in about a
 * second instead of after ~30 s of reconnect attempts.
 */
export const FAIL_FAST_RETRY: RetryOptions = { initialRetryTime: 100, retries: 2, maxRetryTime: 400 };

/** Builds the kafkajs client from validated settings, with TLS/SASL for real clusters. */
export function createKafka(settings: KafkaSettings, logger?: JsonLogger, clientIdSuffix?: string, retry: RetryOptions = DEFAULT_CLIENT_RETRY): Kafka {
  const config: KafkaConfig = {
    clientId: clientIdSuffix ? `${settings.clientId}-${clientIdSuffix}` : settings.clientId,
    brokers: [...settings.brokers],
    connectionTimeout: settings.connectionTimeoutMs,
    requestTimeout: settings.requestTimeoutMs,
    retry,
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
