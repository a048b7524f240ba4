import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { ORDERS_CONTEXT, type PlaceOrder } from '@es/domain';
import { CommandDispatcher } from '../../../dispatch/command-dispatcher.service';
import type { PlaceOrderResponseDto } from '../../dto/order-command-response.dto';
import { PlaceOrderCommand } from '../place-order.command';

@CommandHandler(PlaceOrderCommand)
export class PlaceOrderHandler implements ICommandHandler<PlaceOrderCommand> {
  constructor(private readonly dispatcher: CommandDispatcher) {}

  async execute({ orderId, customerId, lines, options }: PlaceOrderCommand): Promise<PlaceOrderResponseDto> {
    // Plain records, fields in a fixed order: this is what goes on the topic and into the fingerprint.
    const data: PlaceOrder['data'] = {
      orderId,
      customerId,
      lines: lines.map(({ sku, quantity, unitPriceCents }) => ({ sku, quantity, unitPriceCents })),
    };
    const { version, position } = await this.dispatcher.dispatch({
      context: ORDERS_CONTEXT,
      type: 'PlaceOrder' satisfies PlaceOrder['type'],
      aggregateId: orderId,
      data,
      options,
    });
    // PlaceOrder always leaves the order PENDING; the fulfillment process decides the rest later.
    return { orderId, version, status: 'PENDING', position };
  }
}
