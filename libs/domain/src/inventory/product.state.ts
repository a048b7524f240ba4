import type { Versioned } from '../shared/aggregate-version';

/**
 * Plain JSON-friendly data so the processor can snapshot it as is. `reservations` holds active
 * reservations only (orderId → quantity): released and committed ones are dropped, so memory per
 * product is bounded by its open orders, not by its history.
 */
export interface ProductState extends Versioned {
  readonly version: number;
  readonly registered: boolean;
  readonly sku: string;
  readonly name: string;
  readonly onHand: number;
  readonly reserved: number;
  readonly reservations: Readonly<Record<string, number>>;
}

/**
 * Format version of ProductState as the command processor stores it (state topic). Bump it by hand
 * whenever `evolve` or the state's shape changes: a new owner then finds records of another version
 * and rebuilds every product of its partition from the events with the current decider, instead of
 * deciding on state an older `evolve` produced.
 */
export const PRODUCT_STATE_VERSION = 1;

export function initialProductState(): ProductState {
  return { version: 0, registered: false, sku: '', name: '', onHand: 0, reserved: 0, reservations: {} };
}

export function availableStock(state: Pick<ProductState, 'onHand' | 'reserved'>): number {
  return state.onHand - state.reserved;
}
