import { stored } from '../runtime/fold-specification';
import { EveryEventType, indexEvent } from './event-index.fold';

describe('event index fold', () => {
  it('turns any event into a row with every envelope field and its place in the log', () => {
    const event = { ...stored('OrderPlaced', 'o-1', 1, { orderId: 'o-1' }), correlationId: 'corr', causationId: 'cause' };
    expect(indexEvent(undefined, event)).toEqual({
      eventId: 'o-1-1',
      context: 'orders',
      aggregateType: 'Order',
      aggregateId: 'o-1',
      version: 1,
      type: 'OrderPlaced',
      schemaVersion: 1,
      payload: { orderId: 'o-1' },
      occurredAt: event.occurredAt,
      commandId: 'c',
      correlationId: 'corr',
      causationId: 'cause',
      topic: 't',
      partition: 0,
      offset: '1',
    });
  });

  it('leaves an indexed event alone (redelivery)', () => {
    const event = stored('OrderConfirmed', 'o-1', 2, {});
    expect(indexEvent(indexEvent(undefined, event), event)).toBeUndefined();
  });

  it('has a fold for every event type, even one this build does not know', () => {
    const folds = new EveryEventType(indexEvent);
    expect(folds.has('SomethingNew')).toBe(true);
    expect(folds.get('SomethingNew')).toBe(indexEvent);
  });
});
