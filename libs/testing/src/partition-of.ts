import { partitionForKey } from '@es/kafka';

/** One key per partition (`<prefix>0`, `<prefix>1` … until every partition has one). */
export function keysCoveringPartitions(partitions: number, make: (i: number) => string): string[] {
  const found = new Map<number, string>();
  for (let i = 0; found.size < partitions && i < 10000; i++) {
    const key = make(i);
    const p = partitionForKey(key, partitions);
    if (!found.has(p)) found.set(p, key);
  }
  return [...found.entries()].sort((a, b) => a[0] - b[0]).map(([, k]) => k);
}
