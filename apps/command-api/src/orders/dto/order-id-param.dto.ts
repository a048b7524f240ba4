import { ApiProperty } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';
import { NormalizeUuid } from './normalize-uuid';

/** Path parameters of /orders/{orderId}/…: a non-UUID id is a 400, never a lookup. */
export class OrderIdParamDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'must be a UUID' })
  @NormalizeUuid()
  orderId: string;
}
