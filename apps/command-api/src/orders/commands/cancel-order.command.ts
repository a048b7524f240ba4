import { Command } from '@nestjs/cqrs';
import type { CommandOptions } from '../../http/command-headers';
import type { OrderCommandResponseDto } from '../dto/order-command-response.dto';

export class CancelOrderCommand extends Command<OrderCommandResponseDto> {
  constructor(
    readonly orderId: string,
    readonly reason: string | undefined,
    readonly options: CommandOptions,
  ) {
    super();
  }
}
