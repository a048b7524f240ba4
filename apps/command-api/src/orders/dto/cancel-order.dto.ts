import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { CANCEL_REASON_MAX_LENGTH } from '../../http/validation-rules.constants';

export class CancelOrderDto {
  @ApiPropertyOptional({ maxLength: CANCEL_REASON_MAX_LENGTH, example: 'customer changed their mind', nullable: true })
  @IsOptional()
  @IsString({ message: 'must be a string' })
  @MaxLength(CANCEL_REASON_MAX_LENGTH, { message: `must be at most ${CANCEL_REASON_MAX_LENGTH} characters` })
  reason?: string | null;
}
