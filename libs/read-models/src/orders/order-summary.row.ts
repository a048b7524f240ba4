export type OrderSummaryStatus = 'PENDING' | 'CONFIRMED' | 'REJECTED' | 'CANCELLED' | 'SHIPPED';

export interface OrderLineRow {
  readonly sku: string;
  readonly quantity: number;
  readonly unitPriceCents: number;
}

/** One order of the orders read model, as folded from its events. */
export interface OrderSummaryRow {
  readonly orderId: string;
  readonly customerId: string;
  readonly status: OrderSummaryStatus;
  readonly totalCents: number;
  readonly rejectionReason: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Aggregate version of the last applied event: the per-row duplicate guard. */
  readonly version: number;
  /** Set when the order is placed; lines never change afterwards, so loaded rows omit them. */
  readonly lines?: readonly OrderLineRow[];
}

export const ORDER_SUMMARY_STATUSES: readonly OrderSummaryStatus[] = ['PENDING', 'CONFIRMED', 'REJECTED', 'CANCELLED', 'SHIPPED'];
