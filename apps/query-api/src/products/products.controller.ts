import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiProperty, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Pool } from 'pg';
import { NotFoundError } from '@es/domain';
import { ProductsQueryRepository, type ProductView } from '@es/read-models';
import { MIN_POSITION_HEADER } from '../consistency/min-position.interceptor';
import { ActiveVersionsService } from '../shared/active-versions.service';
import { decodeCursor, encodeCursor, QueryParams } from '../shared/query-params';
import { READ_POOL } from '../shared/read-database';

export class ProductDto {
  @ApiProperty() sku!: string;
  @ApiProperty() name!: string;
  @ApiProperty() onHand!: number;
  @ApiProperty() reserved!: number;
  @ApiProperty({ description: 'onHand - reserved' }) available!: number;
  @ApiProperty() version!: number;
}

export class ProductPageDto {
  @ApiProperty({ type: [ProductDto] }) items!: ProductDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

@ApiTags('products')
@ApiHeader({ name: MIN_POSITION_HEADER, required: false, description: 'Wait until this command position is applied (read-your-writes)' })
@Controller('products')
export class ProductsController {
  private readonly repository: ProductsQueryRepository;

  constructor(
    @Inject(READ_POOL) pool: Pool,
    private readonly versions: ActiveVersionsService,
  ) {
    this.repository = new ProductsQueryRepository(pool);
  }

  @Get(':sku')
  @ApiOperation({ summary: 'Stock of one product' })
  @ApiOkResponse({ type: ProductDto })
  async get(@Param('sku') sku: string, @Query() query: Record<string, unknown>): Promise<ProductView> {
    new QueryParams(query, []).done();
    const product = await this.versions.read('inventory', (schema) => this.repository.findBySku(schema, sku), undefined);
    if (!product) throw new NotFoundError(`product ${sku} not found`);
    return product;
  }

  @Get()
  @ApiOperation({ summary: 'Products ordered by sku, paginated by cursor' })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: '1–100, default 20' })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiOkResponse({ type: ProductPageDto })
  async list(@Query() query: Record<string, unknown>): Promise<{ items: ProductView[]; nextCursor: string | null }> {
    const params = new QueryParams(query, ['limit', 'cursor']);
    const limit = params.int('limit', 20, 1, 100);
    const cursor = params.cursor('cursor', (raw) => decodeCursor(raw, ['s']));
    params.done();
    const page = await this.versions.read('inventory', (schema) => this.repository.list(schema, limit, cursor?.s), { items: [], next: undefined });
    return { items: page.items, nextCursor: page.next ? encodeCursor({ s: page.next }) : null };
  }
}
