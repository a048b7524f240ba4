import type { ProductEvent, ProductRegistered, StockCommitted, StockReceived, StockReleased, StockReservationRejected, StockReserved } from '@es/domain';
import type { StoredEvent } from '@es/event-store';
import { PROJECTIONS, productStockStore, type ProductStockRow } from '@es/read-models';
import { MissingRowError, type FoldStep, type FoldTable } from '../runtime/projection-fold';
import { defineProjection } from '../runtime/projection-spec';

type Data<E extends ProductEvent> = E['data'];

export const productRegistered: FoldStep<ProductStockRow, Data<ProductRegistered>> = (state, event) => {
  if (state) return undefined;
  return { sku: event.payload.sku, name: event.payload.name, onHand: 0, reserved: 0, version: event.version };
};

export const stockReceived: FoldStep<ProductStockRow, Data<StockReceived>> = (state, event) =>
  change(state, event, (s) => ({ onHand: s.onHand + event.payload.quantity }));

export const stockReserved: FoldStep<ProductStockRow, Data<StockReserved>> = (state, event) =>
  change(state, event, (s) => ({ reserved: s.reserved + event.payload.quantity }));

export const stockReleased: FoldStep<ProductStockRow, Data<StockReleased>> = (state, event) =>
  change(state, event, (s) => ({ reserved: s.reserved - event.payload.quantity }));

/** Shipment: the reserved units leave the warehouse, so on-hand and reserved both fall. */
export const stockCommitted: FoldStep<ProductStockRow, Data<StockCommitted>> = (state, event) =>
  change(state, event, (s) => ({ onHand: s.onHand - event.payload.quantity, reserved: s.reserved - event.payload.quantity }));

/**
 * Changes no stock, but it is an event of the product's stream, so the row's version follows it.
 * For an unregistered sku (the reservation was rejected for that very reason) there is nothing to do.
 */
export const stockReservationRejected: FoldStep<ProductStockRow, Data<StockReservationRejected>> = (state, event) =>
  state ? change(state, event, () => ({})) : undefined;

/** Every product event, each with its fold (or `ignore`): a new event without one fails the build. */
export const productStockFolds: FoldTable<ProductEvent, ProductStockRow> = {
  ProductRegistered: productRegistered,
  ProductRenamed: (state, event) => change(state, event, () => ({ name: event.payload.name })),
  StockReceived: stockReceived,
  StockReserved: stockReserved,
  StockReservationRejected: stockReservationRejected,
  StockReleased: stockReleased,
  StockCommitted: stockCommitted,
};

/** The inventory projection, as the inventory-projector app and its rebuild CLI run it. */
export const productStockProjection = defineProjection<ProductEvent, ProductStockRow>({
  info: PROJECTIONS.inventory,
  store: productStockStore,
  folds: productStockFolds,
});

function change(state: ProductStockRow | undefined, event: StoredEvent, apply: (s: ProductStockRow) => Partial<ProductStockRow>): ProductStockRow | undefined {
  if (!state) throw new MissingRowError(event);
  if (event.version <= state.version) return undefined;
  return { ...state, ...apply(state), version: event.version };
}
