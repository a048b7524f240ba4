import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { INVENTORY_CONTEXT, type RegisterProduct } from '@es/domain';
import { CommandDispatcher } from '../../../dispatch/command-dispatcher.service';
import type { ProductCommandResponseDto } from '../../dto/product-command-response.dto';
import { RegisterProductCommand } from '../register-product.command';

@CommandHandler(RegisterProductCommand)
export class RegisterProductHandler implements ICommandHandler<RegisterProductCommand> {
  constructor(private readonly dispatcher: CommandDispatcher) {}

  async execute({ sku, name, options }: RegisterProductCommand): Promise<ProductCommandResponseDto> {
    const data: RegisterProduct['data'] = { sku, name };
    const { version, position } = await this.dispatcher.dispatch({
      context: INVENTORY_CONTEXT,
      type: 'RegisterProduct' satisfies RegisterProduct['type'],
      aggregateId: sku,
      data,
      options,
    });
    return { sku, version, position };
  }
}
