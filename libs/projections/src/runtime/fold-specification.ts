import type { StoredEvent } from '@es/event-store';
import { UnhandledEventTypeError, type FoldStep } from './projection-fold';

/**
 * given(events).when(event).then(row) for fold tables, in the style of the deciders' specs.
 * Pure: no Kafka, no database. Kept out of the package index (test-only helper).
 */
export function foldSpecification<S>(folds: Readonly<Record<string, FoldStep<S>>>) {
  const apply = (state: S | undefined, event: StoredEvent): S | undefined => {
    // As the runtime does: a type the table does not name is an error, `ignore` leaves the row as it is.
    const step = Object.prototype.hasOwnProperty.call(folds, event.type) ? folds[event.type] : undefined;
    if (!step) throw new UnhandledEventTypeError(event.type, 'under test');
    return step(state, event) ?? state;
  };
  return {
    given(history: readonly StoredEvent[]) {
      const state = history.reduce<S | undefined>(apply, undefined);
      return {
        when(event: StoredEvent) {
          return {
            then(expected: S | undefined) {
              expect(apply(state, event)).toEqual(expected);
            },
            thenThrows(error: new (...args: any[]) => Error) {
              expect(() => apply(state, event)).toThrow(error);
            },
          };
        },
      };
    },
  };
}

let clock = Date.parse('2026-03-01T10:00:00.000Z');

export function stored<P>(type: string, aggregateId: string, version: number, payload: P): StoredEvent<P> {
  clock += 1000;
  return {
    eventId: `${aggregateId}-${version}`,
    type,
    schemaVersion: 1,
    context: type.startsWith('Order') ? 'orders' : 'inventory',
    aggregateType: type.startsWith('Order') ? 'Order' : 'Product',
    aggregateId,
    version,
    commandId: 'c',
    correlationId: 'c',
    causationId: null,
    occurredAt: new Date(clock).toISOString(),
    payload,
    topic: 't',
    partition: 0,
    offset: String(version),
  };
}
