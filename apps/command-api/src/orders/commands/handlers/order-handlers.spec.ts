import type { CommandSuccess } from '@es/kafka';
import type { CommandDispatcher, DispatchRequest } from '../../../dispatch/command-dispatcher.service';
import { CancelOrderCommand } from '../cancel-order.command';
import { PlaceOrderCommand } from '../place-order.command';
import { ShipOrderCommand } from '../ship-order.command';
import { CancelOrderHandler } from './cancel-order.handler';
import { PlaceOrderHandler } from './place-order.handler';
import { ShipOrderHandler } from './ship-order.handler';

const ORDER_ID = '3f0e4a5c-8d2b-4c1e-9a7f-0b6d2e8c4a11';
const options = { correlationId: 'corr-1' };

/** Records what a handler dispatches and answers like the processor would. */
function recordingDispatcher() {
  const sent: DispatchRequest<unknown>[] = [];
  const dispatcher = {
    async dispatch(request: DispatchRequest<unknown>): Promise<CommandSuccess> {
      sent.push(request);
      return { commandId: 'c', ok: true, aggregateId: request.aggregateId, version: 4, position: 'pos', duplicate: false, eventTypes: [] };
    },
  } as unknown as CommandDispatcher;
  return { sent, dispatcher };
}

describe('order command handlers', () => {
  it('send PlaceOrder to the orders context keyed by the order id, with plain lines, and answer PENDING', async () => {
    const { sent, dispatcher } = recordingDispatcher();
    const line = Object.assign(Object.create({ inherited: true }) as object, { sku: 'A', quantity: 2, unitPriceCents: 5 });
    const result = await new PlaceOrderHandler(dispatcher).execute(
      new PlaceOrderCommand(ORDER_ID, 'customer-1', [line as { sku: string; quantity: number; unitPriceCents: number }], options),
    );
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
    const { sent, dispatcher } = recordingDispatcher();
    await new CancelOrderHandler(dispatcher).execute(new CancelOrderCommand(ORDER_ID, undefined, options));
    expect(sent[0].data).toStrictEqual({ orderId: ORDER_ID });
  });

  it('send CancelOrder with the reason when there is one', async () => {
    const { sent, dispatcher } = recordingDispatcher();
    const result = await new CancelOrderHandler(dispatcher).execute(new CancelOrderCommand(ORDER_ID, 'late', options));
    expect(sent[0]).toMatchObject({ type: 'CancelOrder', aggregateId: ORDER_ID, data: { orderId: ORDER_ID, reason: 'late' } });
    expect(result).toEqual({ orderId: ORDER_ID, version: 4, position: 'pos' });
  });

  it('send ShipOrder with nothing but the order id', async () => {
    const { sent, dispatcher } = recordingDispatcher();
    await new ShipOrderHandler(dispatcher).execute(new ShipOrderCommand(ORDER_ID, options));
    expect(sent[0]).toMatchObject({ context: 'orders', type: 'ShipOrder', aggregateId: ORDER_ID, data: { orderId: ORDER_ID } });
  });
});
