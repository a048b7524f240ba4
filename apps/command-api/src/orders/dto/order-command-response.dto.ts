import { ApiProperty } from '@nestjs/swagger';

export class OrderCommandResponseDto {
  @ApiProperty({ format: 'uuid' })
  orderId: string;

  @ApiProperty({ type: 'integer', example: 2, description: "The order's version after the command." })
  version: number;

  @ApiProperty({
    type: 'string',
    nullable: true,
    description: 'Opaque consistency token: hand it back as X-Min-Position to the query API to read your write.',
  })
  position: string | null;
}

export class PlaceOrderResponseDto extends OrderCommandResponseDto {
  @ApiProperty({ enum: ['PENDING'], description: 'Always PENDING: the fulfillment process confirms or rejects it later.' })
  status: 'PENDING';
}
