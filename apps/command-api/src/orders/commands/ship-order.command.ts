import { Command } from '@nestjs/cqrs';
import type { CommandOptions } from '../../http/command-headers';
import type { OrderCommandResponseDto } from '../dto/order-command-response.dto';

export class ShipOrderCommand extends Command<OrderCommandResponseDto> {
  constructor(
    readonly orderId: string,
    readonly options: CommandOptions,
  ) {
    super();
  }
}
