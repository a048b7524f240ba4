import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { ORDERS_CONTEXT, type ShipOrder } from '@es/domain';
import { CommandDispatcher } from '../../../dispatch/command-dispatcher.service';
import type { OrderCommandResponseDto } from '../../dto/order-command-response.dto';
import { ShipOrderCommand } from '../ship-order.command';

@CommandHandler(ShipOrderCommand)
export class ShipOrderHandler implements ICommandHandler<ShipOrderCommand> {
  constructor(private readonly dispatcher: CommandDispatcher) {}

  async execute({ orderId, options }: ShipOrderCommand): Promise<OrderCommandResponseDto> {
    const data: ShipOrder['data'] = { orderId };
    const { version, position } = await this.dispatcher.dispatch({
      context: ORDERS_CONTEXT,
      type: 'ShipOrder' satisfies ShipOrder['type'],
      aggregateId: orderId,
      data,
      options,
    });
    return { orderId, version, position };
  }
}
