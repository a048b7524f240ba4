import { Body, Controller, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiCommandHeaders, ApiProblemResponses } from '../http/api-docs.decorators';
import type { CommandOptions } from '../http/command-headers';
import { orderIdFor } from '../http/command-ids';
import { CommandOptionsFromHeaders } from '../http/command-options.decorator';
import { CancelOrderCommand } from './commands/cancel-order.command';
import { PlaceOrderCommand } from './commands/place-order.command';
import { ShipOrderCommand } from './commands/ship-order.command';
import { CancelOrderDto } from './dto/cancel-order.dto';
import { OrderCommandResponseDto, PlaceOrderResponseDto } from './dto/order-command-response.dto';
import { OrderIdParamDto } from './dto/order-id-param.dto';
import { PlaceOrderDto } from './dto/place-order.dto';
import { ShipOrderDto } from './dto/ship-order.dto';

/** Order commands. Validation happens in the pipe; the controller only builds the command. */
@ApiTags('orders')
@ApiCommandHeaders()
@Controller('orders')
export class OrdersController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post()
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({ summary: 'Place an order (it starts PENDING)' })
  @ApiBody({ type: PlaceOrderDto })
  @ApiCreatedResponse({ type: PlaceOrderResponseDto })
  @ApiProblemResponses(400, 409, 412, 413, 415, 422, 503, 504)
  place(@Body() body: PlaceOrderDto, @CommandOptionsFromHeaders() options: CommandOptions): Promise<PlaceOrderResponseDto> {
    // Without an orderId the id comes from the Idempotency-Key, so a retry targets the same order.
    const orderId = body.orderId ?? orderIdFor(options.idempotencyKey);
    return this.commandBus.execute(new PlaceOrderCommand(orderId, body.customerId, body.lines, options));
  }

  @Post(':orderId/cancel')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Cancel a PENDING or CONFIRMED order' })
  @ApiBody({ type: CancelOrderDto, required: false })
  @ApiOkResponse({ type: OrderCommandResponseDto })
  @ApiProblemResponses(400, 404, 409, 412, 413, 415, 422, 503, 504)
  cancel(
    @Param() { orderId }: OrderIdParamDto,
    @Body() body: CancelOrderDto,
    @CommandOptionsFromHeaders() options: CommandOptions,
  ): Promise<OrderCommandResponseDto> {
    return this.commandBus.execute(new CancelOrderCommand(orderId, body.reason ?? undefined, options));
  }

  @Post(':orderId/ship')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Ship a CONFIRMED order' })
  @ApiBody({ type: ShipOrderDto, required: false })
  @ApiOkResponse({ type: OrderCommandResponseDto })
  @ApiProblemResponses(400, 404, 409, 412, 413, 415, 422, 503, 504)
  ship(
    @Param() { orderId }: OrderIdParamDto,
    // Validated only so that unknown fields are refused; ShipOrder carries nothing but the id.
    @Body() _body: ShipOrderDto,
    @CommandOptionsFromHeaders() options: CommandOptions,
  ): Promise<OrderCommandResponseDto> {
    return this.commandBus.execute(new ShipOrderCommand(orderId, options));
  }
}
