import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsOptional, IsString, IsUUID, Length, ValidateNested } from 'class-validator';
import type { FieldError } from '@es/domain';
import type { CrossFieldRules } from '../../http/command-validation.pipe';
import { CUSTOMER_ID_MAX_LENGTH, LINES_MAX, LINES_MIN } from '../../http/validation-rules.constants';
import { NormalizeUuid } from './normalize-uuid';
import { OrderLineDto } from './order-line.dto';

export class PlaceOrderDto implements CrossFieldRules {
  @ApiPropertyOptional({ format: 'uuid', description: 'Chosen by the server when absent (derived from Idempotency-Key when one is sent).' })
  @IsOptional()
  @IsString({ message: 'must be a UUID' })
  @IsUUID('all', { message: 'must be a UUID' })
  @NormalizeUuid()
  orderId?: string;

  @ApiProperty({ minLength: 1, maxLength: CUSTOMER_ID_MAX_LENGTH, example: 'customer-42' })
  @IsString({ message: 'must be a string' })
  @Length(1, CUSTOMER_ID_MAX_LENGTH, { message: `must be 1–${CUSTOMER_ID_MAX_LENGTH} characters` })
  customerId: string;

  @ApiProperty({ type: [OrderLineDto], minItems: LINES_MIN, maxItems: LINES_MAX, description: 'Each sku at most once.' })
  @IsArray({ message: `must be an array of ${LINES_MIN}–${LINES_MAX} lines` })
  @ArrayMinSize(LINES_MIN, { message: `must have ${LINES_MIN}–${LINES_MAX} lines` })
  @ArrayMaxSize(LINES_MAX, { message: `must have ${LINES_MIN}–${LINES_MAX} lines` })
  @ValidateNested({ each: true })
  @Type(() => OrderLineDto)
  lines: OrderLineDto[];

  /** Each sku at most once: the line is the unit of reservation, two lines for one sku would race. */
  crossFieldErrors(): FieldError[] {
    const firstIndex = new Map<string, number>();
    const errors: FieldError[] = [];
    this.lines.forEach((line, index) => {
      const first = firstIndex.get(line.sku);
      if (first === undefined) firstIndex.set(line.sku, index);
      else errors.push({ field: `lines[${index}].sku`, message: `duplicates lines[${first}].sku (${line.sku})` });
    });
    return errors;
  }
}
