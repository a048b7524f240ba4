import type { Kafka } from 'kafkajs';
import { createKafka } from '@es/kafka';

/** A client built like the apps' (createKafka: their patches, socket and retry settings) for the test broker (KAFKA_BROKERS). */
export function testKafka(clientId: string): Kafka {
  return createKafka({
    brokers: process.env.KAFKA_BROKERS!.split(','),
    clientId,
    ssl: false,
    sslRejectUnauthorized: true,
    connectionTimeoutMs: 3000,
    requestTimeoutMs: 30000,
  });
}
