import type { Kafka } from 'kafkajs';
import { createKafka, namespaceTopics, provisionTopics } from '@es/kafka';

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

/** Creates a namespace's topics on the single test broker (replication factor 1), as the apps would at boot. */
export async function provisionTestTopics(kafka: Kafka, namespace: string, partitions: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await provisionTopics(admin, namespaceTopics(namespace, { partitions, replicationFactor: 1, minInsyncReplicas: 1 }), 1);
  } finally {
    await admin.disconnect();
  }
}
