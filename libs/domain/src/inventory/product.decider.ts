import { assertExpectedVersion, nextVersion } from '../shared/aggregate-version';
import type { Decider } from '../shared/decider';
import { ConflictError, NotFoundError, type FieldError } from '../shared/errors';
import { assertStorableStrings, hasOwn, isNonEmptyString, requirePositiveQuantity, throwIfAny } from '../shared/validation';
import type { CommitStock, ProductCommand, ReceiveStock, RegisterProduct, ReleaseStock, RenameProduct, ReserveStock } from './product.commands';
import type { ProductEvent } from './product.events';
import { availableStock, initialProductState, type ProductState } from './product.state';

function decide(command: ProductCommand, state: ProductState): ProductEvent[] {
  // First: whatever else is wrong, such a string must never reach an event (the projections would stop on it).
  assertStorableStrings(command);
  assertExpectedVersion(command.metadata, state);
  switch (command.type) {
    case 'RegisterProduct':
      return registerProduct(command, state);
    case 'RenameProduct':
      return renameProduct(command, state);
    case 'ReceiveStock':
      return receiveStock(command, state);
    case 'ReserveStock':
      return reserveStock(command, state);
    case 'ReleaseStock':
      return releaseStock(command, state);
    case 'CommitStock':
      return commitStock(command, state);
    default: {
      const _exhaustive: never = command;
      return _exhaustive;
    }
  }
}

function registerProduct({ data }: RegisterProduct, state: ProductState): ProductEvent[] {
  const errors: FieldError[] = [];
  if (!isNonEmptyString(data.sku)) errors.push({ field: 'sku', message: 'must be a non-empty string' });
  if (!isNonEmptyString(data.name)) errors.push({ field: 'name', message: 'must be a non-empty string' });
  throwIfAny(errors);
  if (state.registered) {
    throw new ConflictError(`product ${data.sku} is already registered`, { sku: data.sku });
  }
  return [{ type: 'ProductRegistered', data: { sku: data.sku, name: data.name } }];
}

function renameProduct({ data }: RenameProduct, state: ProductState): ProductEvent[] {
  if (!isNonEmptyString(data.name)) throwIfAny([{ field: 'name', message: 'must be a non-empty string' }]);
  if (!state.registered) {
    throw new NotFoundError(`product ${data.sku} is not registered`, { sku: data.sku });
  }
  // Already so named: nothing happened, so nothing is recorded (the version stays).
  if (state.name === data.name) return [];
  return [{ type: 'ProductRenamed', data: { sku: data.sku, name: data.name } }];
}

function receiveStock({ data }: ReceiveStock, state: ProductState): ProductEvent[] {
  requirePositiveQuantity(data.quantity);
  if (!state.registered) {
    throw new NotFoundError(`product ${data.sku} is not registered`, { sku: data.sku });
  }
  return [{ type: 'StockReceived', data: { sku: data.sku, quantity: data.quantity } }];
}

function reserveStock({ data }: ReserveStock, state: ProductState): ProductEvent[] {
  requirePositiveQuantity(data.quantity);
  const { sku, orderId, quantity } = data;
  if (!state.registered) {
    // An outcome the fulfillment process must hear about, not a failure of the command.
    return [
      {
        type: 'StockReservationRejected',
        data: { sku, orderId, quantity, reason: 'UNKNOWN_PRODUCT', available: 0 },
      },
    ];
  }
  if (hasOwn(state.reservations, orderId)) {
    // One reservation per order per product: a repeated request must not reserve twice.
    return [];
  }
  const available = availableStock(state);
  if (quantity > available) {
    return [
      {
        type: 'StockReservationRejected',
        data: { sku, orderId, quantity, reason: 'INSUFFICIENT_STOCK', available },
      },
    ];
  }
  return [{ type: 'StockReserved', data: { sku, orderId, quantity } }];
}

// Release and commit of a reservation that is not active change nothing: the fulfillment process
// releases every line of a cancelled order, reserved or not, and relies on this being a no-op.
function releaseStock({ data }: ReleaseStock, state: ProductState): ProductEvent[] {
  const quantity = activeReservation(state, data.orderId);
  if (quantity === undefined) return [];
  return [{ type: 'StockReleased', data: { sku: data.sku, orderId: data.orderId, quantity } }];
}

function commitStock({ data }: CommitStock, state: ProductState): ProductEvent[] {
  const quantity = activeReservation(state, data.orderId);
  if (quantity === undefined) return [];
  return [{ type: 'StockCommitted', data: { sku: data.sku, orderId: data.orderId, quantity } }];
}

function activeReservation(state: ProductState, orderId: string): number | undefined {
  if (!state.registered || !hasOwn(state.reservations, orderId)) return undefined;
  return state.reservations[orderId];
}

function evolve(state: ProductState, event: ProductEvent): ProductState {
  const version = nextVersion(state);
  switch (event.type) {
    case 'ProductRegistered':
      return { ...state, version, registered: true, sku: event.data.sku, name: event.data.name };
    case 'ProductRenamed':
      return { ...state, version, name: event.data.name };
    case 'StockReceived':
      return { ...state, version, onHand: state.onHand + event.data.quantity };
    case 'StockReserved':
      return {
        ...state,
        version,
        reserved: state.reserved + event.data.quantity,
        reservations: { ...state.reservations, [event.data.orderId]: event.data.quantity },
      };
    case 'StockReservationRejected':
      return { ...state, version };
    case 'StockReleased':
      return {
        ...state,
        version,
        reserved: state.reserved - event.data.quantity,
        reservations: without(state.reservations, event.data.orderId),
      };
    case 'StockCommitted':
      return {
        ...state,
        version,
        onHand: state.onHand - event.data.quantity,
        reserved: state.reserved - event.data.quantity,
        reservations: without(state.reservations, event.data.orderId),
      };
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}

function without(reservations: Readonly<Record<string, number>>, orderId: string): Record<string, number> {
  return Object.fromEntries(Object.entries(reservations).filter(([key]) => key !== orderId));
}

export const productDecider: Decider<ProductCommand, ProductEvent, ProductState> = {
  decide,
  evolve,
  initialState: initialProductState,
};
