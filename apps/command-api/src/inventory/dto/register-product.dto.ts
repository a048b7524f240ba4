import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, Matches } from 'class-validator';
import { NAME_MAX_LENGTH, SKU_MESSAGE, SKU_PATTERN } from '../../http/validation-rules.constants';

export class RegisterProductDto {
  @ApiProperty({ pattern: SKU_PATTERN.source, example: 'SKU-1', description: 'The product id.' })
  @IsString({ message: 'must be a string' })
  @Matches(SKU_PATTERN, { message: SKU_MESSAGE })
  sku: string;

  @ApiProperty({ minLength: 1, maxLength: NAME_MAX_LENGTH, example: 'Espresso cup' })
  @IsString({ message: 'must be a string' })
  @Length(1, NAME_MAX_LENGTH, { message: `must be 1–${NAME_MAX_LENGTH} characters` })
  name: string;
}
