import type { OrderPlacedData } from './order.events';

/** OrderPlaced as written with schemaVersion 1: prices in decimal currency units, no total. */
export interface OrderPlacedV1Data {
  readonly orderId: string;
  readonly customerId: string;
  readonly lines: readonly {
    readonly sku: string;
    readonly quantity: number;
    /** Decimal currency units, e.g. 12.5. */
    readonly unitPrice: number;
  }[];
}

export const ORDER_PLACED_V1_SCHEMA_VERSION = 1;
export const ORDER_PLACED_V2_SCHEMA_VERSION = 2;

export function upcastOrderPlacedV1toV2(data: OrderPlacedV1Data): OrderPlacedData {
  const lines = data.lines.map((line) => ({
    sku: line.sku,
    quantity: line.quantity,
    unitPriceCents: toCents(line.unitPrice),
  }));
  // Recomputed from the rounded prices so that v2's invariant (total = Σ quantity × price) holds.
  const totalCents = lines.reduce((sum, line) => sum + line.quantity * line.unitPriceCents, 0);
  return { orderId: data.orderId, customerId: data.customerId, lines, totalCents };
}

/**
 * Half away from zero on the decimal the writer meant: 1.005 × 100 is 100.49999999999999 in binary
 * floating point, so trimming to 15 significant digits first recovers 100.5 and rounds it to 101.
 */
function toCents(unitPrice: number): number {
  const cents = Number((unitPrice * 100).toPrecision(15));
  const rounded = Math.sign(cents) * Math.round(Math.abs(cents));
  // Avoid -0 in the event: JSON writes it as 0 but toEqual/Object.is tell them apart.
  return rounded === 0 ? 0 : rounded;
}
