import { Body, Controller, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiCommandHeaders, ApiProblemResponses } from '../http/api-docs.decorators';
import type { CommandOptions } from '../http/command-headers';
import { CommandOptionsFromHeaders } from '../http/command-options.decorator';
import { ReceiveStockCommand } from './commands/receive-stock.command';
import { RegisterProductCommand } from './commands/register-product.command';
import { ProductCommandResponseDto } from './dto/product-command-response.dto';
import { ReceiveStockDto } from './dto/receive-stock.dto';
import { RegisterProductDto } from './dto/register-product.dto';
import { SkuParamDto } from './dto/sku-param.dto';

/** Inventory commands. Validation happens in the pipe; the controller only builds the command. */
@ApiTags('products')
@ApiCommandHeaders()
@Controller('products')
export class ProductsController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post()
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({ summary: 'Register a product' })
  @ApiBody({ type: RegisterProductDto })
  @ApiCreatedResponse({ type: ProductCommandResponseDto })
  @ApiProblemResponses(400, 409, 412, 413, 415, 422, 503, 504)
  register(@Body() body: RegisterProductDto, @CommandOptionsFromHeaders() options: CommandOptions): Promise<ProductCommandResponseDto> {
    return this.commandBus.execute(new RegisterProductCommand(body.sku, body.name, options));
  }

  @Post(':sku/stock')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Receive stock for a product' })
  @ApiBody({ type: ReceiveStockDto })
  @ApiOkResponse({ type: ProductCommandResponseDto })
  @ApiProblemResponses(400, 404, 409, 412, 413, 415, 422, 503, 504)
  receiveStock(
    @Param() { sku }: SkuParamDto,
    @Body() body: ReceiveStockDto,
    @CommandOptionsFromHeaders() options: CommandOptions,
  ): Promise<ProductCommandResponseDto> {
    return this.commandBus.execute(new ReceiveStockCommand(sku, body.quantity, options));
  }
}
