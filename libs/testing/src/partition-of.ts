import { Partitioners } from 'kafkajs';

/** The partition kafkajs' default (Java-compatible murmur2) partitioner gives a key. */
export function partitionOf(key: string, partitions: number): number {
  const partitioner = Partitioners.DefaultPartitioner();
  return partitioner({
    topic: 'any',
    partitionMetadata: Array.from({ length: partitions }, (_, partitionId) => ({
      partitionId,
      partitionErrorCode: 0,
      leader: 0,
      replicas: [0],
      isr: [0],
      offlineReplicas: [],
    })),
    message: { key, value: null },
  });
}

/** One key per partition (`<prefix>0`, `<prefix>1` … until every partition has one). */
export function keysCoveringPartitions(partitions: number, make: (i: number) => string): string[] {
  const found = new Map<number, string>();
  for (let i = 0; found.size < partitions && i < 10000; i++) {
    const key = make(i);
    const p = partitionOf(key, partitions);
    if (!found.has(p)) found.set(p, key);
  }
  return [...found.entries()].sort((a, b) => a[0] - b[0]).map(([, k]) => k);
}
