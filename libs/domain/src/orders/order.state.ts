import type { Versioned } from '../shared/aggregate-version';
import type { LineReservationOutcome, OrderLine } from './order.commands';

export type OrderStatus = 'NONE' | 'PENDING' | 'CONFIRMED' | 'REJECTED' | 'CANCELLED' | 'SHIPPED';

export interface LineOutcome {
  readonly outcome: LineReservationOutcome;
  readonly reason?: string;
}

/**
 * `lineOutcomes` (sku → outcome) is the fulfillment process's progress, kept in the order's own
 * stream so the process itself can stay stateless.
 */
export interface OrderState extends Versioned {
  readonly version: number;
  readonly status: OrderStatus;
  readonly orderId: string;
  readonly customerId: string;
  readonly lines: readonly OrderLine[];
  readonly totalCents: number;
  readonly lineOutcomes: Readonly<Record<string, LineOutcome>>;
}

/** Format version of OrderState in the state topic; bump it when `evolve` or the shape changes (see PRODUCT_STATE_VERSION). */
export const ORDER_STATE_VERSION = 1;

export function initialOrderState(): OrderState {
  return {
    version: 0,
    status: 'NONE',
    orderId: '',
    customerId: '',
    lines: [],
    totalCents: 0,
    lineOutcomes: {},
  };
}
