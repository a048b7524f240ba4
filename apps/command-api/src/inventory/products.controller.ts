import { Body, Controller, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CommandDispatcher } from '../dispatch/command-dispatcher.service';
import { SendsCommand } from '../dispatch/sends-command.decorator';
import { ApiCommandHeaders, ApiProblemResponses } from '../http/api-docs.decorators';
import type { CommandOptions } from '../http/command-headers';
import { CommandOptionsFromHeaders } from '../http/command-options.decorator';
import { ProductCommandResponseDto } from './dto/product-command-response.dto';
import { ReceiveStockDto } from './dto/receive-stock.dto';
import { RegisterProductDto } from './dto/register-product.dto';
import { RenameProductDto } from './dto/rename-product.dto';
import { SkuParamDto } from './dto/sku-param.dto';

/**
 * Inventory commands. Validation happens in the pipe; each endpoint builds its command — typed by
 * the domain's command union — and hands it to the one command handler (CommandDispatcher).
 */
@ApiTags('products')
@ApiCommandHeaders()
@Controller('products')
export class ProductsController {
  constructor(private readonly commands: CommandDispatcher) {}

  @Post()
  @SendsCommand('RegisterProduct')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({ summary: 'Register a product' })
  @ApiBody({ type: RegisterProductDto })
  @ApiCreatedResponse({ type: ProductCommandResponseDto })
  @ApiProblemResponses(400, 409, 412, 413, 415, 422, 503, 504)
  async register(@Body() body: RegisterProductDto, @CommandOptionsFromHeaders() options: CommandOptions): Promise<ProductCommandResponseDto> {
    const { sku, name } = body;
    const { version, position } = await this.commands.send({ type: 'RegisterProduct', data: { sku, name } }, options);
    return { sku, version, position };
  }

  @Post(':sku/stock')
  @SendsCommand('ReceiveStock')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Receive stock for a product' })
  @ApiBody({ type: ReceiveStockDto })
  @ApiOkResponse({ type: ProductCommandResponseDto })
  @ApiProblemResponses(400, 404, 409, 412, 413, 415, 422, 503, 504)
  async receiveStock(
    @Param() { sku }: SkuParamDto,
    @Body() body: ReceiveStockDto,
    @CommandOptionsFromHeaders() options: CommandOptions,
  ): Promise<ProductCommandResponseDto> {
    const { version, position } = await this.commands.send({ type: 'ReceiveStock', data: { sku, quantity: body.quantity } }, options);
    return { sku, version, position };
  }

  @Post(':sku/rename')
  @SendsCommand('RenameProduct')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Rename a product (renaming to its current name changes nothing)' })
  @ApiBody({ type: RenameProductDto })
  @ApiOkResponse({ type: ProductCommandResponseDto })
  @ApiProblemResponses(400, 404, 412, 413, 415, 422, 503, 504)
  async rename(
    @Param() { sku }: SkuParamDto,
    @Body() body: RenameProductDto,
    @CommandOptionsFromHeaders() options: CommandOptions,
  ): Promise<ProductCommandResponseDto> {
    const { version, position } = await this.commands.send({ type: 'RenameProduct', data: { sku, name: body.name } }, options);
    return { sku, version, position };
  }
}
