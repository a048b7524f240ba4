import { randomUUID } from 'node:crypto';
import type { EventEnvelope } from '@es/event-store';
import { EventLogBuilder } from './event-log.builder';

/** N orders, each placed and then confirmed, rejected or confirmed-and-shipped: 2–3 events per order. */
export function orderWorkload(log: EventLogBuilder, orders: number, customers = 7): EventEnvelope[] {
  const events: EventEnvelope[] = [];
  for (let i = 0; i < orders; i++) {
    const orderId = randomUUID();
    events.push(
      log.orderPlaced(orderId, `customer-${i % customers}`, [
        { sku: `sku-${i % 13}`, quantity: 1 + (i % 3), unitPriceCents: 100 + i },
        { sku: `sku-${(i + 5) % 13}`, quantity: 2, unitPriceCents: 250 },
      ]),
    );
    if (i % 3 === 0) events.push(log.orderRejected(orderId, 'insufficient stock'));
    else {
      events.push(log.orderConfirmed(orderId));
      if (i % 3 === 2) events.push(log.orderShipped(orderId));
    }
  }
  return events;
}
