import { deserializeEvent, serializeEvent } from './event-serializer';
import type { EventEnvelope } from './event-envelope';

describe('event serialization', () => {
  const at = { topic: 'es.orders.events', partition: 0, offset: '7' };

  it('reads back what it wrote, with type and version also in headers', () => {
    const envelope: EventEnvelope = {
      eventId: 'e-1',
      type: 'OrderConfirmed',
      schemaVersion: 1,
      context: 'orders',
      aggregateType: 'Order',
      aggregateId: 'o-1',
      version: 3,
      commandId: 'c-1',
      correlationId: 'corr',
      causationId: null,
      occurredAt: '2026-01-01T00:00:00.000Z',
      payload: { orderId: 'o-1' },
    };
    const wire = serializeEvent(envelope);

    expect(wire.key).toBe('o-1');
    expect(wire.headers).toMatchObject({ type: 'OrderConfirmed', version: '3', 'schema-version': '1' });
    expect(deserializeEvent({ value: wire.value, ...at })).toEqual({ ...envelope, ...at });
  });

  it('upcasts an OrderPlaced written with schema version 1 (decimal prices, no total) to the current shape', () => {
    const v1 = {
      eventId: 'e-0',
      type: 'OrderPlaced',
      schemaVersion: 1,
      context: 'orders',
      aggregateType: 'Order',
      aggregateId: 'o-9',
      version: 1,
      commandId: 'c',
      correlationId: 'c',
      causationId: null,
      occurredAt: '2025-06-01T00:00:00.000Z',
      payload: {
        orderId: 'o-9',
        customerId: 'cu',
        lines: [
          { sku: 'A', quantity: 2, unitPrice: 12.5 },
          { sku: 'B', quantity: 1, unitPrice: 0.99 },
        ],
      },
    };
    const read = deserializeEvent({ value: Buffer.from(JSON.stringify(v1)), ...at });

    expect(read.schemaVersion).toBe(2);
    expect(read.payload).toEqual({
      orderId: 'o-9',
      customerId: 'cu',
      lines: [
        { sku: 'A', quantity: 2, unitPriceCents: 1250 },
        { sku: 'B', quantity: 1, unitPriceCents: 99 },
      ],
      totalCents: 2599,
    });
  });

  it('refuses a record that is not an envelope, naming where it sits', () => {
    expect(() => deserializeEvent({ value: Buffer.from('{"hello":1}'), ...at })).toThrow('es.orders.events[0]@7');
  });

  it('refuses an event newer than this build understands instead of misreading it', () => {
    const future = { type: 'OrderPlaced', schemaVersion: 9, aggregateId: 'o', version: 1, payload: {} };
    expect(() => deserializeEvent({ value: Buffer.from(JSON.stringify(future)), ...at })).toThrow('newer than this build');
  });
});
