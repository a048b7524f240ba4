import { Command } from '@nestjs/cqrs';
import type { CommandOptions } from '../../http/command-headers';
import type { ProductCommandResponseDto } from '../dto/product-command-response.dto';

export class ReceiveStockCommand extends Command<ProductCommandResponseDto> {
  constructor(
    readonly sku: string,
    readonly quantity: number,
    readonly options: CommandOptions,
  ) {
    super();
  }
}
