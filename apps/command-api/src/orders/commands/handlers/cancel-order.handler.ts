import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { ORDERS_CONTEXT, type CancelOrder } from '@es/domain';
import { CommandDispatcher } from '../../../dispatch/command-dispatcher.service';
import type { OrderCommandResponseDto } from '../../dto/order-command-response.dto';
import { CancelOrderCommand } from '../cancel-order.command';

@CommandHandler(CancelOrderCommand)
export class CancelOrderHandler implements ICommandHandler<CancelOrderCommand> {
  constructor(private readonly dispatcher: CommandDispatcher) {}

  async execute({ orderId, reason, options }: CancelOrderCommand): Promise<OrderCommandResponseDto> {
    // The decider takes `reason` as absent or a string, never null: omit the key rather than send null.
    const data: CancelOrder['data'] = reason === undefined ? { orderId } : { orderId, reason };
    const { version, position } = await this.dispatcher.dispatch({
      context: ORDERS_CONTEXT,
      type: 'CancelOrder' satisfies CancelOrder['type'],
      aggregateId: orderId,
      data,
      options,
    });
    return { orderId, version, position };
  }
}
