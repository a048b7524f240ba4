import { ApiProperty } from '@nestjs/swagger';
import { Matches } from 'class-validator';
import { SKU_MESSAGE, SKU_PATTERN } from '../../http/validation-rules.constants';

/** Path parameters of /products/{sku}/…: the same rule as a sku in a body. */
export class SkuParamDto {
  @ApiProperty({ pattern: SKU_PATTERN.source, example: 'SKU-1' })
  @Matches(SKU_PATTERN, { message: SKU_MESSAGE })
  sku: string;
}
