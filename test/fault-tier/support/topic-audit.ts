import type { Kafka } from 'kafkajs';
import { readTopic, ReadRecord } from '@es/testing';
import type { LedgerEntry } from './command-ledger';

/**
 * The checks every fault scenario ends with, computed from the event topics (the source of truth,
 * read_committed) and the client's ledger — never from what the apps say about themselves.
 */
interface Event {
  readonly type: string;
  readonly aggregateId: string;
  readonly version: number;
  readonly commandId: string;
  /** When the processor decided it (its clock: this machine's). */
  readonly occurredAt: number;
  readonly payload: Record<string, any>;
  readonly partition: number;
  readonly offset: string;
}

export interface OrderFold {
  status: string;
  version: number;
  lines: { sku: string; quantity: number }[];
}

export interface ProductFold {
  onHand: number;
  reserved: number;
  version: number;
}

export interface Audit {
  readonly acknowledged: number;
  readonly refused: number;
  readonly unknown: number;
  /** Acknowledged commands without their event (at the acknowledged version). */
  readonly lost: string[];
  /** Commands applied more than once (same command id twice on an aggregate) and version duplicates/gaps. */
  readonly doubled: string[];
  /** Refused (4xx) commands whose events are in the log anyway. */
  readonly phantom: string[];
  /** Orders that are still PENDING. */
  readonly undecided: string[];
  /** Products whose stock is not what the commands and order outcomes imply. */
  readonly stock: string[];
  /** Records on the event topics that are not event envelopes (injected on purpose in one scenario). */
  readonly malformed: { topic: string; partition: number; offset: string }[];
  readonly orders: Map<string, OrderFold>;
  readonly products: Map<string, ProductFold>;
  /** When each command id's first event was decided (epoch ms). */
  readonly decidedAt: ReadonlyMap<string, number>;
}

function parse(topic: string, records: readonly ReadRecord[], malformed: Audit['malformed']): Event[] {
  const events: Event[] = [];
  // A consumer may see a record twice (a rebalance during the read): the log has it once.
  const seen = new Set<string>();
  for (const r of records) {
    if (seen.has(`${r.partition}@${r.offset}`)) continue;
    seen.add(`${r.partition}@${r.offset}`);
    try {
      const e = JSON.parse(r.value ?? '');
      if (!e || typeof e.type !== 'string' || typeof e.aggregateId !== 'string' || typeof e.version !== 'number') throw new Error('not an envelope');
      events.push({
        type: e.type,
        aggregateId: e.aggregateId,
        version: e.version,
        commandId: e.commandId,
        occurredAt: Date.parse(e.occurredAt),
        payload: e.payload ?? {},
        partition: r.partition,
        offset: r.offset,
      });
    } catch {
      malformed.push({ topic, partition: r.partition, offset: r.offset });
    }
  }
  return events;
}

function byAggregate(events: Event[]): Map<string, Event[]> {
  const map = new Map<string, Event[]>();
  for (const e of events) {
    const list = map.get(e.aggregateId) ?? [];
    list.push(e);
    map.set(e.aggregateId, list);
  }
  for (const list of map.values()) list.sort((a, b) => a.version - b.version);
  return map;
}

/** Versions 1..n without gap or duplicate; a command id on one contiguous run of versions, each event type once. */
function doubledIn(streams: Map<string, Event[]>, out: string[]): void {
  for (const [id, list] of streams) {
    list.forEach((e, i) => {
      if (e.version !== i + 1) out.push(`${id}: version ${e.version} at index ${i} (duplicate or gap; p${e.partition}@${e.offset})`);
    });
    const runs = new Map<string, Event[]>();
    for (const e of list) runs.set(e.commandId, [...(runs.get(e.commandId) ?? []), e]);
    for (const [commandId, es] of runs) {
      const types = es.map((e) => e.type);
      const contiguous = es.every((e, i) => i === 0 || e.version === es[i - 1].version + 1);
      if (!contiguous || new Set(types).size !== types.length)
        out.push(`${id}: command ${commandId} applied more than once (${es.map((e) => `v${e.version} ${e.type} p${e.partition}@${e.offset}`).join(', ')})`);
    }
  }
}

export async function auditTopics(kafka: Kafka, namespace: string, ledger: readonly LedgerEntry[]): Promise<Audit> {
  const [orderRecords, inventoryRecords] = await Promise.all([
    readTopic(kafka, `${namespace}.orders.events`, { idleMs: 3000 }),
    readTopic(kafka, `${namespace}.inventory.events`, { idleMs: 3000 }),
  ]);
  return auditRecords(namespace, orderRecords, inventoryRecords, ledger);
}

/** The audit of records already read (pure: unit-tested in topic-audit.spec.ts). */
export function auditRecords(
  namespace: string,
  orderRecords: readonly ReadRecord[],
  inventoryRecords: readonly ReadRecord[],
  ledger: readonly LedgerEntry[],
): Audit {
  const malformed: Audit['malformed'] = [];
  const orderEvents = parse(`${namespace}.orders.events`, orderRecords, malformed);
  const inventoryEvents = parse(`${namespace}.inventory.events`, inventoryRecords, malformed);
  const orderStreams = byAggregate(orderEvents);
  const productStreams = byAggregate(inventoryEvents);

  const doubled: string[] = [];
  doubledIn(orderStreams, doubled);
  doubledIn(productStreams, doubled);

  // Lost / phantom: match the ledger to the events by (aggregate, command id).
  const eventsOf = new Map<string, Event[]>();
  for (const e of [...orderEvents, ...inventoryEvents]) {
    const k = `${e.aggregateId}|${e.commandId}`;
    eventsOf.set(k, [...(eventsOf.get(k) ?? []), e]);
  }
  const lost: string[] = [];
  const phantom: string[] = [];
  const applied = new Set<string>();
  for (const entry of ledger) {
    const es = eventsOf.get(`${entry.aggregateId}|${entry.commandId}`) ?? [];
    if (es.length > 0) applied.add(entry.commandId);
    if (entry.outcome === 'acked') {
      const last = es.length > 0 ? Math.max(...es.map((e) => e.version)) : undefined;
      if (last === undefined)
        lost.push(`${entry.type} ${entry.aggregateId} (${entry.idempotencyKey}, acknowledged v${entry.version}, statuses ${entry.statuses.join('/')})`);
      else if (last !== entry.version) lost.push(`${entry.type} ${entry.aggregateId}: acknowledged v${entry.version} but its events end at v${last}`);
    } else if (entry.outcome === 'refused' && es.length > 0) {
      phantom.push(`${entry.type} ${entry.aggregateId} refused (${entry.statuses.join('/')}) but applied at v${es.map((e) => e.version).join(',')}`);
    }
  }

  // Folds.
  const orders = new Map<string, OrderFold>();
  for (const [id, list] of orderStreams) {
    const fold: OrderFold = { status: 'NONE', version: 0, lines: [] };
    for (const e of list) {
      fold.version = e.version;
      if (e.type === 'OrderPlaced') {
        fold.status = 'PENDING';
        fold.lines = (e.payload.lines ?? []).map((l: any) => ({ sku: l.sku, quantity: l.quantity }));
      } else if (e.type === 'OrderConfirmed') fold.status = 'CONFIRMED';
      else if (e.type === 'OrderRejected') fold.status = 'REJECTED';
      else if (e.type === 'OrderCancelled') fold.status = 'CANCELLED';
      else if (e.type === 'OrderShipped') fold.status = 'SHIPPED';
    }
    orders.set(id, fold);
  }
  const undecided = [...orders].filter(([, o]) => !['CONFIRMED', 'REJECTED', 'CANCELLED', 'SHIPPED'].includes(o.status)).map(([id, o]) => `${id} ${o.status}`);

  const stock: string[] = [];
  const products = new Map<string, ProductFold>();
  /** Units reserved per sku|order that were neither released nor committed. */
  const open = new Map<string, number>();
  for (const [sku, list] of productStreams) {
    const fold: ProductFold = { onHand: 0, reserved: 0, version: 0 };
    for (const e of list) {
      fold.version = e.version;
      const q = Number(e.payload.quantity ?? 0);
      const k = `${sku}|${e.payload.orderId}`;
      if (e.type === 'StockReceived') fold.onHand += q;
      else if (e.type === 'StockReserved') {
        fold.reserved += q;
        open.set(k, (open.get(k) ?? 0) + q);
      } else if (e.type === 'StockReleased') {
        fold.reserved -= q;
        open.set(k, (open.get(k) ?? 0) - q);
      } else if (e.type === 'StockCommitted') {
        fold.onHand -= q;
        fold.reserved -= q;
        open.set(k, (open.get(k) ?? 0) - q);
      }
      if (fold.reserved < 0 || fold.onHand - fold.reserved < 0) stock.push(`${sku} v${e.version}: onHand ${fold.onHand}, reserved ${fold.reserved}`);
    }
    products.set(sku, fold);
  }
  // onHand = every acknowledged ReceiveStock (+ those with an unknown outcome that did apply).
  const received = new Map<string, number>();
  for (const entry of ledger) {
    if (entry.type !== 'ReceiveStock') continue;
    if (entry.outcome === 'acked' || (entry.outcome === 'unknown' && applied.has(entry.commandId))) {
      received.set(entry.aggregateId, (received.get(entry.aggregateId) ?? 0) + Number(entry.body.quantity));
    }
  }
  for (const [sku, p] of products) {
    if ((received.get(sku) ?? 0) !== p.onHand) stock.push(`${sku}: onHand ${p.onHand} in the log, the commands imply ${received.get(sku) ?? 0}`);
  }
  // reserved = the lines of CONFIRMED orders, and nothing for REJECTED / CANCELLED ones.
  for (const [orderId, o] of orders) {
    if (o.status === 'PENDING') continue;
    for (const line of o.lines) {
      const want = o.status === 'CONFIRMED' ? line.quantity : 0;
      const have = open.get(`${line.sku}|${orderId}`) ?? 0;
      if (have !== want) stock.push(`${line.sku}: order ${orderId} is ${o.status} but holds ${have} reserved (want ${want})`);
    }
  }

  const decidedAt = new Map<string, number>();
  for (const e of [...orderEvents, ...inventoryEvents]) if (e.occurredAt < (decidedAt.get(e.commandId) ?? Infinity)) decidedAt.set(e.commandId, e.occurredAt);

  const count = (o: LedgerEntry['outcome']) => ledger.filter((e) => e.outcome === o).length;
  return {
    acknowledged: count('acked'),
    refused: count('refused'),
    unknown: count('unknown') + count('in-flight'),
    lost,
    doubled,
    phantom,
    undecided,
    stock,
    malformed,
    orders,
    products,
    decidedAt,
  };
}

/**
 * The read models against the fold of the topics: every order's status and version, every
 * product's onHand / reserved / version, as the query API serves them.
 */
export async function compareReadModels(queryApi: string, audit: Audit): Promise<string[]> {
  const diffs: string[] = [];
  const jobs: (() => Promise<void>)[] = [];
  for (const [orderId, o] of audit.orders) {
    jobs.push(async () => {
      const res = await fetch(`${queryApi}/orders/${orderId}`);
      const body = (await res.json().catch(() => ({}))) as Record<string, any>;
      if (res.status !== 200 || body.status !== o.status || body.version !== o.version) {
        diffs.push(`order ${orderId}: read model ${res.status} ${body.status} v${body.version}, topics ${o.status} v${o.version}`);
      }
    });
  }
  for (const [sku, p] of audit.products) {
    jobs.push(async () => {
      const res = await fetch(`${queryApi}/products/${sku}`);
      const body = (await res.json().catch(() => ({}))) as Record<string, any>;
      // Products that only ever saw StockReservationRejected for an unknown sku have no row.
      if (res.status === 404 && p.onHand === 0 && p.reserved === 0) return;
      if (res.status !== 200 || body.onHand !== p.onHand || body.reserved !== p.reserved || body.version !== p.version) {
        diffs.push(
          `product ${sku}: read model ${res.status} onHand ${body.onHand} reserved ${body.reserved} v${body.version}, topics ${p.onHand}/${p.reserved} v${p.version}`,
        );
      }
    });
  }
  const workers = Array.from({ length: 8 }, async () => {
    for (let job = jobs.shift(); job; job = jobs.shift()) await job().catch((e) => diffs.push(String(e)));
  });
  await Promise.all(workers);
  return diffs;
}
