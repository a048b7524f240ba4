import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';

export interface ReadRecord {
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: string | null;
  readonly headers: Record<string, string>;
}

/**
 * Reads a whole topic as a read_committed consumer sees it. Transaction markers occupy offsets but
 * are never delivered, so "done" is: every partition's end offset reached, or nothing new for
 * `idleMs` after the last record.
 */
export async function readTopic(kafka: Kafka, topic: string, { idleMs = 1500, timeoutMs = 60000 } = {}): Promise<ReadRecord[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const end = new Map(ends.map((e) => [e.partition, BigInt(e.high)]));
  const records: ReadRecord[] = [];
  if ([...end.values()].every((h) => h === 0n)) return records;
  const groupId = `test-reader-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, readUncommitted: false, maxWaitTimeInMs: 100 });
  const reached = new Map<number, bigint>();
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let last = Date.now();
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }) => {
      last = Date.now();
      reached.set(partition, BigInt(message.offset) + 1n);
      records.push({
        partition,
        offset: message.offset,
        key: message.key?.toString() ?? null,
        value: message.value?.toString() ?? null,
        headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])),
      });
    },
  });
  const started = Date.now();
  for (;;) {
    const allReached = [...end].every(([p, high]) => high === 0n || (reached.get(p) ?? 0n) >= high);
    if (allReached || Date.now() - last > idleMs || Date.now() - started > timeoutMs) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await consumer.disconnect();
  return records.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
}
