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
  const ends = await endOffsets(kafka, topic);
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

/**
 * The topic's end offsets. A leader that moves while they are asked for (the preferred leader taking
 * its partitions back after a broker restart) answers NOT_LEADER, which kafkajs' admin does not retry
 * (nor does it refresh its metadata for it): ask again with a new admin client, a few times.
 */
async function endOffsets(kafka: Kafka, topic: string): Promise<{ partition: number; high: string }[]> {
  for (let attempt = 1; ; attempt++) {
    const admin = kafka.admin();
    try {
      await admin.connect();
      return await admin.fetchTopicOffsets(topic);
    } catch (error) {
      if (attempt >= 10 || (error as { retriable?: boolean }).retriable !== true) throw error;
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}
