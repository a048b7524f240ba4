import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsString, Matches, Max, Min } from 'class-validator';
import { QUANTITY_MAX, QUANTITY_MIN, SKU_MESSAGE, SKU_PATTERN, UNIT_PRICE_CENTS_MAX, UNIT_PRICE_CENTS_MIN } from '../../http/validation-rules.constants';

const QUANTITY_MESSAGE = `must be an integer from ${QUANTITY_MIN} to ${QUANTITY_MAX}`;
const PRICE_MESSAGE = `must be an integer from ${UNIT_PRICE_CENTS_MIN} to ${UNIT_PRICE_CENTS_MAX}`;

export class OrderLineDto {
  @ApiProperty({ pattern: SKU_PATTERN.source, example: 'SKU-1' })
  @IsString({ message: 'must be a string' })
  @Matches(SKU_PATTERN, { message: SKU_MESSAGE })
  sku: string;

  @ApiProperty({ type: 'integer', minimum: QUANTITY_MIN, maximum: QUANTITY_MAX, example: 2 })
  @IsInt({ message: QUANTITY_MESSAGE })
  @Min(QUANTITY_MIN, { message: QUANTITY_MESSAGE })
  @Max(QUANTITY_MAX, { message: QUANTITY_MESSAGE })
  quantity: number;

  @ApiProperty({ type: 'integer', minimum: UNIT_PRICE_CENTS_MIN, maximum: UNIT_PRICE_CENTS_MAX, example: 1250 })
  @IsInt({ message: PRICE_MESSAGE })
  @Min(UNIT_PRICE_CENTS_MIN, { message: PRICE_MESSAGE })
  @Max(UNIT_PRICE_CENTS_MAX, { message: PRICE_MESSAGE })
  unitPriceCents: number;
}
