import { Command } from '@nestjs/cqrs';
import type { OrderLine } from '@es/domain';
import type { CommandOptions } from '../../http/command-headers';
import type { PlaceOrderResponseDto } from '../dto/order-command-response.dto';

export class PlaceOrderCommand extends Command<PlaceOrderResponseDto> {
  constructor(
    readonly orderId: string,
    readonly customerId: string,
    readonly lines: readonly OrderLine[],
    readonly options: CommandOptions,
  ) {
    super();
  }
}
