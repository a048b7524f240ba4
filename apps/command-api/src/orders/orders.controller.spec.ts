import { Metrics } from '@es/common';
import type { CommandSuccess, KafkaCommandTransport } from '@es/kafka';
import { CommandDispatcher, type DispatchRequest } from '../dispatch/command-dispatcher.service';
import type { PlaceOrderDto } from './dto/place-order.dto';
import { OrdersController } from './orders.controller';

const ORDER_ID = '3f0e4a5c-8d2b-4c1e-9a7f-0b6d2e8c4a11';
const options = { correlationId: 'corr-1' };

/**
 * The real command handler with its Kafka step replaced: records what it would dispatch (after it
 * derived the context and aggregate id from the domain) and answers like the processor would.
 */
function recordingDispatcher() {
  const sent: DispatchRequest<unknown>[] = [];
  class RecordingDispatcher extends CommandDispatcher {
    override async dispatch<D>(request: DispatchRequest<D>): Promise<CommandSuccess> {
      sent.push(request);
      return { commandId: 'c', ok: true, aggregateId: request.aggregateId, version: 4, position: 'pos', duplicate: false, eventTypes: [] };
    }
  }
  const dispatcher = new RecordingDispatcher({} as KafkaCommandTransport, new Metrics('orders-controller-test'));
  return { sent, controller: new OrdersController(dispatcher) };
}

describe('order command endpoints', () => {
  it('send PlaceOrder to the orders context keyed by the order id, with plain lines, and answer PENDING', async () => {
    const { sent, controller } = recordingDispatcher();
    const line = Object.assign(Object.create({ inherited: true }) as object, { sku: 'A', quantity: 2, unitPriceCents: 5 });
    const body = { orderId: ORDER_ID, customerId: 'customer-1', lines: [line] } as unknown as PlaceOrderDto;
    const result = await controller.place(body, options);
    expect(sent).toEqual([
      {
        context: 'orders',
        type: 'PlaceOrder',
        aggregateId: ORDER_ID,
        data: { orderId: ORDER_ID, customerId: 'customer-1', lines: [{ sku: 'A', quantity: 2, unitPriceCents: 5 }] },
        options,
      },
    ]);
    expect(result).toEqual({ orderId: ORDER_ID, version: 4, status: 'PENDING', position: 'pos' });
  });

  it('send CancelOrder without a reason key when the client gave none, since the decider refuses null', async () => {
    const { sent, controller } = recordingDispatcher();
    await controller.cancel({ orderId: ORDER_ID }, {}, options);
    expect(sent[0].data).toStrictEqual({ orderId: ORDER_ID });
    await controller.cancel({ orderId: ORDER_ID }, { reason: null }, options);
    expect(sent[1].data).toStrictEqual({ orderId: ORDER_ID });
  });

  it('send CancelOrder with the reason when there is one', async () => {
    const { sent, controller } = recordingDispatcher();
    const result = await controller.cancel({ orderId: ORDER_ID }, { reason: 'late' }, options);
    expect(sent[0]).toMatchObject({ type: 'CancelOrder', aggregateId: ORDER_ID, data: { orderId: ORDER_ID, reason: 'late' } });
    expect(result).toEqual({ orderId: ORDER_ID, version: 4, position: 'pos' });
  });

  it('send ShipOrder with nothing but the order id', async () => {
    const { sent, controller } = recordingDispatcher();
    await controller.ship({ orderId: ORDER_ID }, {}, options);
    expect(sent[0]).toMatchObject({ context: 'orders', type: 'ShipOrder', aggregateId: ORDER_ID, data: { orderId: ORDER_ID } });
  });
});
