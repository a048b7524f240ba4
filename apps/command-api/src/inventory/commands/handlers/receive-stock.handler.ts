import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { INVENTORY_CONTEXT, type ReceiveStock } from '@es/domain';
import { CommandDispatcher } from '../../../dispatch/command-dispatcher.service';
import type { ProductCommandResponseDto } from '../../dto/product-command-response.dto';
import { ReceiveStockCommand } from '../receive-stock.command';

@CommandHandler(ReceiveStockCommand)
export class ReceiveStockHandler implements ICommandHandler<ReceiveStockCommand> {
  constructor(private readonly dispatcher: CommandDispatcher) {}

  async execute({ sku, quantity, options }: ReceiveStockCommand): Promise<ProductCommandResponseDto> {
    const data: ReceiveStock['data'] = { sku, quantity };
    const { version, position } = await this.dispatcher.dispatch({
      context: INVENTORY_CONTEXT,
      type: 'ReceiveStock' satisfies ReceiveStock['type'],
      aggregateId: sku,
      data,
      options,
    });
    return { sku, version, position };
  }
}
