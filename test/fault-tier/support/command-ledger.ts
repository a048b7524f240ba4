import { randomUUID } from 'node:crypto';
import { commandIdFor } from '../../../apps/command-api/src/http/command-ids';

/**
 * The client side of the fault tier: a bounded concurrent HTTP load that writes down every command
 * it sent and what the command API answered. The ledger is what the topics are later checked
 * against — an acknowledged command (2xx) is a promise the system has made.
 */
export type CommandType = 'RegisterProduct' | 'ReceiveStock' | 'PlaceOrder' | 'CancelOrder';

export interface LedgerEntry {
  readonly type: CommandType;
  readonly aggregateId: string;
  readonly idempotencyKey: string;
  /** What the command API derives from the key (so the events can be matched to the request). */
  readonly commandId: string;
  readonly body: Record<string, unknown>;
  /** acked = 2xx; refused = a definitive 4xx; unknown = no definitive answer before the client gave up. */
  outcome: 'acked' | 'refused' | 'unknown' | 'in-flight';
  version?: number;
  position?: string;
  /** Every HTTP status (0 = network error / client timeout) of every attempt, in order. */
  readonly statuses: number[];
  readonly sentAt: number;
  answeredAt?: number;
}

const RETRYABLE = new Set([0, 500, 502, 503, 504]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class CommandLedger {
  readonly entries: LedgerEntry[] = [];
  private counter = 0;
  private readonly inFlight = new Set<Promise<LedgerEntry>>();

  constructor(
    private readonly commandApi: () => string,
    private readonly keyPrefix: string,
    /** A client gives up retrying (outcome `unknown`) after this instant. */
    public retryUntil = Number.POSITIVE_INFINITY,
  ) {}

  /**
   * Sends one command the way our docs tell clients to: on a 503/504 or a dropped connection, the
   * same request again with the same Idempotency-Key, until a definitive answer.
   */
  send(type: CommandType, path: string, aggregateId: string, body: Record<string, unknown>): Promise<LedgerEntry> {
    const sending = this.sendWithRetries(type, path, aggregateId, body);
    this.inFlight.add(sending);
    void sending.finally(() => this.inFlight.delete(sending));
    return sending;
  }

  /** Resolves once every command sent so far has its final outcome. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private async sendWithRetries(type: CommandType, path: string, aggregateId: string, body: Record<string, unknown>): Promise<LedgerEntry> {
    const idempotencyKey = `${this.keyPrefix}-${type}-${++this.counter}`;
    const entry: LedgerEntry = {
      type,
      aggregateId,
      idempotencyKey,
      commandId: commandIdFor(type, idempotencyKey, aggregateId),
      body,
      outcome: 'in-flight',
      statuses: [],
      sentAt: Date.now(),
    };
    this.entries.push(entry);
    for (;;) {
      let status: number;
      let json: Record<string, unknown> = {};
      try {
        const res = await fetch(`${this.commandApi()}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'Idempotency-Key': idempotencyKey },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(20000),
        });
        status = res.status;
        json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
      } catch {
        status = 0;
      }
      entry.statuses.push(status);
      if (status >= 200 && status < 300) {
        entry.outcome = 'acked';
        entry.version = json.version as number;
        entry.position = json.position as string;
        entry.answeredAt = Date.now();
        return entry;
      }
      if (!RETRYABLE.has(status)) {
        entry.outcome = 'refused';
        entry.answeredAt = Date.now();
        return entry;
      }
      if (Date.now() > this.retryUntil) {
        entry.outcome = 'unknown';
        return entry;
      }
      await sleep(250 + Math.random() * 250);
    }
  }

  registerProduct(sku: string): Promise<LedgerEntry> {
    return this.send('RegisterProduct', '/products', sku, { sku, name: `Product ${sku}` });
  }

  receiveStock(sku: string, quantity: number): Promise<LedgerEntry> {
    return this.send('ReceiveStock', `/products/${sku}/stock`, sku, { quantity });
  }

  placeOrder(lines: { sku: string; quantity: number }[], orderId: string = randomUUID()): Promise<LedgerEntry> {
    return this.send('PlaceOrder', '/orders', orderId, {
      orderId,
      customerId: `c-${this.keyPrefix}`,
      lines: lines.map((l) => ({ ...l, unitPriceCents: 100 })),
    });
  }

  cancelOrder(orderId: string): Promise<LedgerEntry> {
    return this.send('CancelOrder', `/orders/${orderId}/cancel`, orderId, { reason: 'fault tier' });
  }

  count(outcome: LedgerEntry['outcome']): number {
    return this.entries.filter((e) => e.outcome === outcome).length;
  }
}
