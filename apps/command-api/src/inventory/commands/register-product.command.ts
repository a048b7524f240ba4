import { Command } from '@nestjs/cqrs';
import type { CommandOptions } from '../../http/command-headers';
import type { ProductCommandResponseDto } from '../dto/product-command-response.dto';

export class RegisterProductCommand extends Command<ProductCommandResponseDto> {
  constructor(
    readonly sku: string,
    readonly name: string,
    readonly options: CommandOptions,
  ) {
    super();
  }
}
