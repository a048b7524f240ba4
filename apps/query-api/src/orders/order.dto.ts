import { ApiProperty } from '@nestjs/swagger';
import { ORDER_SUMMARY_STATUSES } from '@es/read-models';

export class OrderLineDto {
  @ApiProperty() sku!: string;
  @ApiProperty() quantity!: number;
  @ApiProperty({ description: 'Unit price in cents' }) unitPriceCents!: number;
}

export class OrderDto {
  @ApiProperty({ format: 'uuid' }) orderId!: string;
  @ApiProperty() customerId!: string;
  @ApiProperty({ enum: ORDER_SUMMARY_STATUSES }) status!: string;
  @ApiProperty({ type: [OrderLineDto] }) lines!: OrderLineDto[];
  @ApiProperty({ description: 'Total in cents' }) totalCents!: number;
  @ApiProperty({ description: 'Aggregate version of the last applied event' }) version!: number;
  @ApiProperty({ nullable: true, type: String }) rejectionReason!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class OrderPageDto {
  @ApiProperty({ type: [OrderDto] }) items!: OrderDto[];
  @ApiProperty({ nullable: true, type: String, description: 'Opaque; pass as `cursor` for the next page' }) nextCursor!: string | null;
}
