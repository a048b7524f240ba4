import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Pool } from 'pg';
import { NotFoundError } from '@es/domain';
import { ORDER_SUMMARY_STATUSES, OrdersQueryRepository, type OrderView } from '@es/read-models';
import { MIN_POSITION_HEADER } from '../consistency/min-position.interceptor';
import { ActiveVersionsService } from '../shared/active-versions.service';
import { decodeCursor, encodeCursor, QueryParams } from '../shared/query-params';
import { READ_POOL } from '../shared/read-database';
import { OrderDto, OrderPageDto } from './order.dto';

const MIN_POSITION_DOC = { name: MIN_POSITION_HEADER, required: false, description: 'Wait until this command position is applied (read-your-writes)' };

@ApiTags('orders')
@ApiHeader(MIN_POSITION_DOC)
@Controller('orders')
export class OrdersController {
  private readonly repository: OrdersQueryRepository;

  constructor(
    @Inject(READ_POOL) pool: Pool,
    private readonly versions: ActiveVersionsService,
  ) {
    this.repository = new OrdersQueryRepository(pool);
  }

  @Get(':orderId')
  @ApiOperation({ summary: 'One order' })
  @ApiOkResponse({ type: OrderDto })
  async get(@Param('orderId') orderId: string, @Query() query: Record<string, unknown>): Promise<OrderView> {
    new QueryParams(query, []).done();
    const order = await this.versions.read('orders', (schema) => this.repository.findById(schema, orderId), undefined);
    if (!order) throw new NotFoundError(`order ${orderId} not found`);
    return order;
  }

  @Get()
  @ApiOperation({ summary: 'Orders, oldest first, filtered and paginated by cursor' })
  @ApiQuery({ name: 'customerId', required: false })
  @ApiQuery({ name: 'status', required: false, enum: ORDER_SUMMARY_STATUSES })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: '1–100, default 20' })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiOkResponse({ type: OrderPageDto })
  async list(@Query() query: Record<string, unknown>): Promise<{ items: OrderView[]; nextCursor: string | null }> {
    const params = new QueryParams(query, ['customerId', 'status', 'limit', 'cursor']);
    const customerId = params.string('customerId', { max: 64 });
    const status = params.oneOf('status', ORDER_SUMMARY_STATUSES);
    const limit = params.int('limit', 20, 1, 100);
    const cursor = params.cursor('cursor', (raw) => decodeCursor(raw, ['c', 'o']));
    params.done();
    const after = cursor ? { createdAt: cursor.c, orderId: cursor.o } : undefined;
    const page = await this.versions.read('orders', (schema) => this.repository.list(schema, { customerId, status, limit, after }), {
      items: [],
      next: undefined,
    });
    return { items: page.items, nextCursor: page.next ? encodeCursor({ c: page.next.createdAt, o: page.next.orderId }) : null };
  }
}
