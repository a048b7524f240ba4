import { ApiProperty } from '@nestjs/swagger';

export class ProductCommandResponseDto {
  @ApiProperty({ example: 'SKU-1' })
  sku: string;

  @ApiProperty({ type: 'integer', example: 1, description: "The product's version after the command." })
  version: number;

  @ApiProperty({
    type: 'string',
    nullable: true,
    description: 'Opaque consistency token: hand it back as X-Min-Position to the query API to read your write.',
  })
  position: string | null;
}
