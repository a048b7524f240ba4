import { ApiProperty } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';
import { QUANTITY_MAX, QUANTITY_MIN } from '../../http/validation-rules.constants';

const QUANTITY_MESSAGE = `must be an integer from ${QUANTITY_MIN} to ${QUANTITY_MAX}`;

export class ReceiveStockDto {
  @ApiProperty({ type: 'integer', minimum: QUANTITY_MIN, maximum: QUANTITY_MAX, example: 10 })
  @IsInt({ message: QUANTITY_MESSAGE })
  @Min(QUANTITY_MIN, { message: QUANTITY_MESSAGE })
  @Max(QUANTITY_MAX, { message: QUANTITY_MESSAGE })
  quantity: number;
}
