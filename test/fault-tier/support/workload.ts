import { randomUUID } from 'node:crypto';
import { partitionForKey } from '@es/kafka';
import { CommandLedger, LedgerEntry } from './command-ledger';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A small deterministic PRNG (mulberry32): the same seed gives the same mix of commands. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface LoadOptions {
  readonly clients: number;
  readonly skus: readonly string[];
  /** Clients stop starting new commands at this instant (retries of started ones go on). */
  readonly until: number;
  readonly seed: number;
  /** Pause between two commands of one client: bounds the load. */
  readonly thinkMs?: number;
}

/**
 * `clients` concurrent clients, each in a loop: place an order (1–2 lines of 1–3 units), receive
 * stock (1–5 units) or cancel one of the orders placed so far. Every command goes through the
 * ledger, so every acknowledgement is recorded.
 */
export async function runLoad(ledger: CommandLedger, o: LoadOptions): Promise<void> {
  const random = seededRandom(o.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const placed: string[] = [];
  const client = async () => {
    while (Date.now() < o.until) {
      const roll = random();
      if (roll < 0.2 && placed.length > 0) {
        const i = Math.floor(random() * placed.length);
        const [orderId] = placed.splice(i, 1);
        await ledger.cancelOrder(orderId);
      } else if (roll < 0.45) {
        await ledger.receiveStock(pick(o.skus), 1 + Math.floor(random() * 5));
      } else {
        const first = pick(o.skus);
        const lines = [{ sku: first, quantity: 1 + Math.floor(random() * 3) }];
        if (random() < 0.5) {
          const second = pick(o.skus.filter((s) => s !== first));
          lines.push({ sku: second, quantity: 1 + Math.floor(random() * 3) });
        }
        const entry = await ledger.placeOrder(lines);
        if (entry.outcome === 'acked') placed.push(entry.aggregateId);
      }
      await sleep(o.thinkMs ?? 20);
    }
  };
  await Promise.all(Array.from({ length: o.clients }, client));
}

export interface RecoveryTarget {
  readonly name: string;
  /** Sends one fresh command; resolves with its ledger entry. */
  send(): Promise<LedgerEntry>;
  /** The query API path that shows this command's effect. */
  readPath(entry: LedgerEntry): string;
}

/**
 * One target per partition of each context: a ReceiveStock on a sku of that inventory partition
 * and a PlaceOrder with an orderId of that orders partition. A fault that stops one partition
 * (a wedged consumer, a partition that never moves after a crash) therefore shows up as a target
 * that never recovers.
 */
export function recoveryTargets(ledger: CommandLedger, probeSkus: readonly string[], partitions: number): RecoveryTarget[] {
  const targets: RecoveryTarget[] = probeSkus.map((sku) => ({
    name: `inventory p${partitionForKey(sku, partitions)}`,
    send: () => ledger.receiveStock(sku, 1),
    readPath: () => `/products/${sku}`,
  }));
  for (let p = 0; p < partitions; p++) {
    targets.push({
      name: `orders p${p}`,
      send: () => {
        let orderId = randomUUID();
        while (partitionForKey(orderId, partitions) !== p) orderId = randomUUID();
        return ledger.placeOrder([{ sku: probeSkus[p % probeSkus.length], quantity: 1 }], orderId);
      },
      readPath: (entry) => `/orders/${entry.aggregateId}`,
    });
  }
  return targets;
}

/**
 * Recovery time: from `faultAt` until, for every target, a command sent after the fault has been
 * acknowledged AND its effect is readable through the query API (X-Min-Position = its position):
 * write side, saga-independent read side and query side all serving again. A probe is started
 * every 500 ms per target (at most 6 at a time) so a probe stuck in a 10 s command timeout does not
 * hide an earlier recovery. Resolves { seconds per target } (undefined = not recovered by `deadline`).
 */
export async function measureRecovery(
  targets: readonly RecoveryTarget[],
  queryApi: () => string,
  faultAt: number,
  deadline: number,
): Promise<Record<string, number | undefined>> {
  const result: Record<string, number | undefined> = {};
  await Promise.all(
    targets.map(async (target) => {
      let recoveredAt: number | undefined;
      const running = new Set<Promise<void>>();
      const probe = async () => {
        const entry = await target.send();
        // FAULT_TRACE_PROBES=1: each probe's command, to tell a stalled write side from a stalled read side
        if (process.env.FAULT_TRACE_PROBES)
          process.stdout.write(
            `[probe] ${target.name} answered +${((Date.now() - faultAt) / 1000).toFixed(1)} s: ${entry.outcome}, statuses ${entry.statuses.join(' ')}\n`,
          );
        if (entry.outcome !== 'acked') return;
        while (recoveredAt === undefined && Date.now() < deadline) {
          const res = await fetch(`${queryApi()}${target.readPath(entry)}`, {
            headers: entry.position ? { 'X-Min-Position': entry.position } : {},
            signal: AbortSignal.timeout(10000),
          }).catch(() => undefined);
          if (res?.status === 200) {
            recoveredAt = Math.min(recoveredAt ?? Date.now(), Date.now());
            return;
          }
          await sleep(200);
        }
      };
      while (recoveredAt === undefined && Date.now() < deadline) {
        if (running.size < 6) {
          const p = probe().catch(() => undefined);
          running.add(p);
          void p.finally(() => running.delete(p));
        }
        await sleep(500);
      }
      result[target.name] = recoveredAt === undefined ? undefined : (recoveredAt - faultAt) / 1000;
    }),
  );
  return result;
}
