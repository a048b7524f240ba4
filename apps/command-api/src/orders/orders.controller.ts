import { Body, Controller, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CommandDispatcher } from '../dispatch/command-dispatcher.service';
import { SendsCommand } from '../dispatch/sends-command.decorator';
import { ApiCommandHeaders, ApiProblemResponses } from '../http/api-docs.decorators';
import type { CommandOptions } from '../http/command-headers';
import { orderIdFor } from '../http/command-ids';
import { CommandOptionsFromHeaders } from '../http/command-options.decorator';
import { CancelOrderDto } from './dto/cancel-order.dto';
import { OrderCommandResponseDto, PlaceOrderResponseDto } from './dto/order-command-response.dto';
import { OrderIdParamDto } from './dto/order-id-param.dto';
import { PlaceOrderDto } from './dto/place-order.dto';
import { ShipOrderDto } from './dto/ship-order.dto';

/**
 * Order commands. Validation happens in the pipe; each endpoint builds its command — typed by the
 * domain's command union — and hands it to the one command handler (CommandDispatcher).
 */
@ApiTags('orders')
@ApiCommandHeaders()
@Controller('orders')
export class OrdersController {
  constructor(private readonly commands: CommandDispatcher) {}

  @Post()
  @SendsCommand('PlaceOrder')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({ summary: 'Place an order (it starts PENDING)' })
  @ApiBody({ type: PlaceOrderDto })
  @ApiCreatedResponse({ type: PlaceOrderResponseDto })
  @ApiProblemResponses(400, 409, 412, 413, 415, 422, 503, 504)
  async place(@Body() body: PlaceOrderDto, @CommandOptionsFromHeaders() options: CommandOptions): Promise<PlaceOrderResponseDto> {
    // Without an orderId the id comes from the Idempotency-Key, so a retry targets the same order.
    const orderId = body.orderId ?? orderIdFor(options.idempotencyKey);
    // Plain records, fields in a fixed order: this is what goes on the topic and into the fingerprint.
    const lines = body.lines.map(({ sku, quantity, unitPriceCents }) => ({ sku, quantity, unitPriceCents }));
    const { version, position } = await this.commands.send({ type: 'PlaceOrder', data: { orderId, customerId: body.customerId, lines } }, options);
    // PlaceOrder always leaves the order PENDING; the fulfillment process decides the rest later.
    return { orderId, version, status: 'PENDING', position };
  }

  @Post(':orderId/cancel')
  @SendsCommand('CancelOrder')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Cancel a PENDING or CONFIRMED order' })
  @ApiBody({ type: CancelOrderDto, required: false })
  @ApiOkResponse({ type: OrderCommandResponseDto })
  @ApiProblemResponses(400, 404, 409, 412, 413, 415, 422, 503, 504)
  async cancel(
    @Param() { orderId }: OrderIdParamDto,
    @Body() body: CancelOrderDto,
    @CommandOptionsFromHeaders() options: CommandOptions,
  ): Promise<OrderCommandResponseDto> {
    // The decider takes `reason` as absent or a string, never null: omit the key rather than send null.
    const reason = body.reason ?? undefined;
    const data = reason === undefined ? { orderId } : { orderId, reason };
    const { version, position } = await this.commands.send({ type: 'CancelOrder', data }, options);
    return { orderId, version, position };
  }

  @Post(':orderId/ship')
  @SendsCommand('ShipOrder')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Ship a CONFIRMED order' })
  @ApiBody({ type: ShipOrderDto, required: false })
  @ApiOkResponse({ type: OrderCommandResponseDto })
  @ApiProblemResponses(400, 404, 409, 412, 413, 415, 422, 503, 504)
  async ship(
    @Param() { orderId }: OrderIdParamDto,
    // Validated only so that unknown fields are refused; ShipOrder carries nothing but the id.
    @Body() _body: ShipOrderDto,
    @CommandOptionsFromHeaders() options: CommandOptions,
  ): Promise<OrderCommandResponseDto> {
    const { version, position } = await this.commands.send({ type: 'ShipOrder', data: { orderId } }, options);
    return { orderId, version, position };
  }
}
