import { assertExpectedVersion, nextVersion } from '../shared/aggregate-version';
import type { Decider } from '../shared/decider';
import { ConflictError, NotFoundError, ValidationError, type FieldError } from '../shared/errors';
import { assertStorableStrings, hasOwn, isNonEmptyString, isNonNegativeInteger, isPositiveInteger, throwIfAny } from '../shared/validation';
import {
  MAX_ORDER_LINES,
  type CancelOrder,
  type ConfirmOrder,
  type OrderCommand,
  type OrderLine,
  type PlaceOrder,
  type RecordLineReservation,
  type RejectOrder,
  type ShipOrder,
} from './order.commands';
import type { OrderEvent } from './order.events';
import { initialOrderState, type OrderState, type OrderStatus } from './order.state';

/** Used when inventory rejected a line without saying why, so the order's reason still names it. */
export const UNSPECIFIED_REJECTION_REASON = 'UNSPECIFIED';

function decide(command: OrderCommand, state: OrderState): OrderEvent[] {
  // First: whatever else is wrong, such a string must never reach an event (the projections would stop on it).
  assertStorableStrings(command);
  assertExpectedVersion(command.metadata, state);
  switch (command.type) {
    case 'PlaceOrder':
      return placeOrder(command, state);
    case 'RecordLineReservation':
      return recordLineReservation(command, state);
    case 'ConfirmOrder':
      return confirmOrder(command, state);
    case 'RejectOrder':
      return rejectOrder(command, state);
    case 'CancelOrder':
      return cancelOrder(command, state);
    case 'ShipOrder':
      return shipOrder(command, state);
    default: {
      const _exhaustive: never = command;
      return _exhaustive;
    }
  }
}

function placeOrder({ data }: PlaceOrder, state: OrderState): OrderEvent[] {
  const { lines, totalCents } = validatePlaceOrder(data);
  if (state.status !== 'NONE') {
    throw new ConflictError(`order ${data.orderId} already exists`, {
      orderId: data.orderId,
      status: state.status,
    });
  }
  return [
    {
      type: 'OrderPlaced',
      data: { orderId: data.orderId, customerId: data.customerId, lines, totalCents },
    },
  ];
}

/** Returns the lines copied field by field, so nothing the caller added leaks into the event. */
function validatePlaceOrder(data: PlaceOrder['data']): { lines: OrderLine[]; totalCents: number } {
  const errors: FieldError[] = [];
  if (!isNonEmptyString(data.orderId)) errors.push({ field: 'orderId', message: 'must be a non-empty string' });
  if (!isNonEmptyString(data.customerId)) {
    errors.push({ field: 'customerId', message: 'must be a non-empty string' });
  }
  const rawLines: readonly unknown[] = Array.isArray(data.lines) ? data.lines : [];
  if (!Array.isArray(data.lines) || rawLines.length === 0 || rawLines.length > MAX_ORDER_LINES) {
    errors.push({ field: 'lines', message: `must have between 1 and ${MAX_ORDER_LINES} entries` });
  }
  const firstIndexOfSku = new Map<string, number>();
  const lines: OrderLine[] = [];
  rawLines.forEach((raw, index) => {
    const line = (typeof raw === 'object' && raw !== null ? raw : {}) as Partial<Record<keyof OrderLine, unknown>>;
    const { sku, quantity, unitPriceCents } = line;
    if (!isNonEmptyString(sku)) {
      errors.push({ field: `lines[${index}].sku`, message: 'must be a non-empty string' });
    } else {
      const first = firstIndexOfSku.get(sku);
      if (first !== undefined) {
        errors.push({ field: `lines[${index}].sku`, message: `duplicates lines[${first}].sku (${sku})` });
      } else {
        firstIndexOfSku.set(sku, index);
      }
    }
    if (!isPositiveInteger(quantity)) {
      errors.push({ field: `lines[${index}].quantity`, message: 'must be a positive integer' });
    }
    if (!isNonNegativeInteger(unitPriceCents)) {
      errors.push({ field: `lines[${index}].unitPriceCents`, message: 'must be an integer of at least 0' });
    }
    if (isNonEmptyString(sku) && isPositiveInteger(quantity) && isNonNegativeInteger(unitPriceCents)) {
      lines.push({ sku, quantity, unitPriceCents });
    }
  });
  throwIfAny(errors);
  // Contract maxima allow 100 × 10^6 × 10^8 = 10^16 cents, past 2^53: the total would be wrong.
  const totalCents = lines.reduce((sum, line) => sum + line.quantity * line.unitPriceCents, 0);
  if (!Number.isSafeInteger(totalCents)) {
    throw new ValidationError([{ field: 'lines', message: 'order total is too large to be represented exactly' }]);
  }
  return { lines, totalCents };
}

function recordLineReservation({ data }: RecordLineReservation, state: OrderState): OrderEvent[] {
  requireExisting(state, data.orderId);
  const errors: FieldError[] = [];
  if (data.outcome !== 'RESERVED' && data.outcome !== 'REJECTED') {
    errors.push({ field: 'outcome', message: 'must be RESERVED or REJECTED' });
  }
  const line = state.lines.find((candidate) => candidate.sku === data.sku);
  if (line === undefined) {
    errors.push({ field: 'sku', message: `order ${state.orderId} has no line for ${String(data.sku)}` });
  }
  throwIfAny(errors);
  if (line === undefined) return []; // unreachable after throwIfAny; narrows `line` for the compiler
  // Outcomes that arrive after the order left PENDING are dropped: the process compensates on its own
  // (a cancel releases every line), and the order's history must not change after its decision.
  if (state.status !== 'PENDING') return [];
  if (hasOwn(state.lineOutcomes, data.sku)) return [];

  const lineEvent: OrderEvent =
    data.outcome === 'RESERVED'
      ? { type: 'OrderLineReserved', data: { orderId: state.orderId, sku: line.sku, quantity: line.quantity } }
      : {
          type: 'OrderLineRejected',
          data: {
            orderId: state.orderId,
            sku: line.sku,
            reason: isNonEmptyString(data.reason) ? data.reason : UNSPECIFIED_REJECTION_REASON,
          },
        };
  const after = evolve(state, lineEvent);
  const outcomes = lineOutcomeSummary(after);
  if (outcomes.pendingSkus.length > 0) return [lineEvent];
  if (outcomes.rejectedSkus.length === 0) {
    return [lineEvent, { type: 'OrderConfirmed', data: { orderId: state.orderId } }];
  }
  return [
    lineEvent,
    {
      type: 'OrderRejected',
      data: {
        orderId: state.orderId,
        reason: rejectionReason(after, outcomes.rejectedSkus),
        rejectedSkus: outcomes.rejectedSkus,
        reservedSkus: outcomes.reservedSkus,
        pendingSkus: [],
      },
    },
  ];
}

function confirmOrder({ data }: ConfirmOrder, state: OrderState): OrderEvent[] {
  requireExisting(state, data.orderId);
  requireStatus(state, 'confirm', ['PENDING']);
  const { reservedSkus } = lineOutcomeSummary(state);
  const notReserved = state.lines.map((line) => line.sku).filter((sku) => !reservedSkus.includes(sku));
  if (notReserved.length > 0) {
    // The contract: an order is CONFIRMED only when stock for every line was reserved.
    throw new ConflictError(`cannot confirm order ${state.orderId}: stock is not reserved for ${notReserved.join(', ')}`, {
      orderId: state.orderId,
      status: state.status,
      notReservedSkus: notReserved,
    });
  }
  return [{ type: 'OrderConfirmed', data: { orderId: state.orderId } }];
}

function rejectOrder({ data }: RejectOrder, state: OrderState): OrderEvent[] {
  if (!isNonEmptyString(data.reason)) {
    throw new ValidationError([{ field: 'reason', message: 'must be a non-empty string' }]);
  }
  requireExisting(state, data.orderId);
  requireStatus(state, 'reject', ['PENDING']);
  const { rejectedSkus, reservedSkus, pendingSkus } = lineOutcomeSummary(state);
  return [
    {
      type: 'OrderRejected',
      data: { orderId: state.orderId, reason: data.reason, rejectedSkus, reservedSkus, pendingSkus },
    },
  ];
}

function cancelOrder({ data }: CancelOrder, state: OrderState): OrderEvent[] {
  if (data.reason !== undefined && typeof data.reason !== 'string') {
    throw new ValidationError([{ field: 'reason', message: 'must be a string' }]);
  }
  requireExisting(state, data.orderId);
  const previousStatus = requireStatus(state, 'cancel', ['PENDING', 'CONFIRMED']);
  return [
    {
      type: 'OrderCancelled',
      data: {
        orderId: state.orderId,
        reason: data.reason ?? null,
        previousStatus,
        reservedSkus: lineOutcomeSummary(state).reservedSkus,
        lines: state.lines,
      },
    },
  ];
}

function shipOrder({ data }: ShipOrder, state: OrderState): OrderEvent[] {
  requireExisting(state, data.orderId);
  requireStatus(state, 'ship', ['CONFIRMED']);
  return [{ type: 'OrderShipped', data: { orderId: state.orderId, lines: state.lines } }];
}

function requireExisting(state: OrderState, orderId: string): void {
  if (state.status === 'NONE') {
    throw new NotFoundError(`order ${orderId} does not exist`, { orderId });
  }
}

function requireStatus<A extends OrderStatus>(state: OrderState, action: string, allowed: readonly A[]): A {
  const status = state.status;
  if (!(allowed as readonly OrderStatus[]).includes(status)) {
    throw new ConflictError(`cannot ${action} an order that is ${status}`, {
      orderId: state.orderId,
      status,
      allowedStatuses: [...allowed],
    });
  }
  return status as A;
}

interface LineOutcomeSummary {
  readonly reservedSkus: string[];
  readonly rejectedSkus: string[];
  readonly pendingSkus: string[];
}

/** In line order, so reasons and sku lists are stable across replays. */
function lineOutcomeSummary(state: OrderState): LineOutcomeSummary {
  const summary: LineOutcomeSummary = { reservedSkus: [], rejectedSkus: [], pendingSkus: [] };
  for (const { sku } of state.lines) {
    const outcome = hasOwn(state.lineOutcomes, sku) ? state.lineOutcomes[sku] : undefined;
    if (outcome === undefined) summary.pendingSkus.push(sku);
    else if (outcome.outcome === 'RESERVED') summary.reservedSkus.push(sku);
    else summary.rejectedSkus.push(sku);
  }
  return summary;
}

function rejectionReason(state: OrderState, rejectedSkus: readonly string[]): string {
  const parts = rejectedSkus.map((sku) => {
    const reason = state.lineOutcomes[sku]?.reason ?? UNSPECIFIED_REJECTION_REASON;
    return `${sku} (${reason})`;
  });
  return `stock not reserved for ${parts.join(', ')}`;
}

function evolve(state: OrderState, event: OrderEvent): OrderState {
  const version = nextVersion(state);
  switch (event.type) {
    case 'OrderPlaced':
      return {
        ...state,
        version,
        status: 'PENDING',
        orderId: event.data.orderId,
        customerId: event.data.customerId,
        lines: event.data.lines,
        totalCents: event.data.totalCents,
        lineOutcomes: {},
      };
    case 'OrderLineReserved':
      return {
        ...state,
        version,
        lineOutcomes: { ...state.lineOutcomes, [event.data.sku]: { outcome: 'RESERVED' } },
      };
    case 'OrderLineRejected':
      return {
        ...state,
        version,
        lineOutcomes: {
          ...state.lineOutcomes,
          [event.data.sku]: { outcome: 'REJECTED', reason: event.data.reason },
        },
      };
    case 'OrderConfirmed':
      return { ...state, version, status: 'CONFIRMED' };
    case 'OrderRejected':
      return { ...state, version, status: 'REJECTED' };
    case 'OrderCancelled':
      return { ...state, version, status: 'CANCELLED' };
    case 'OrderShipped':
      return { ...state, version, status: 'SHIPPED' };
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}

export const orderDecider: Decider<OrderCommand, OrderEvent, OrderState> = {
  decide,
  evolve,
  initialState: initialOrderState,
};
