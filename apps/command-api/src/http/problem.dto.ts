import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class FieldErrorDto {
  @ApiProperty({ example: 'lines[1].sku' })
  field: string;

  @ApiProperty({ example: 'is not an allowed field' })
  message: string;
}

/** RFC 9457 problem details: the body of every error (sent as application/problem+json). */
export class ProblemDto {
  @ApiProperty({ example: 'https://errors.kafka-es.dev/validation-failed' })
  type: string;

  @ApiProperty({ example: 'Validation Failed' })
  title: string;

  @ApiProperty({ example: 400 })
  status: number;

  @ApiProperty({ example: 'validation failed: quantity: must be an integer from 1 to 1000000' })
  detail: string;

  @ApiPropertyOptional({ type: [FieldErrorDto], description: 'Present on 400: one entry per broken rule.' })
  errors?: FieldErrorDto[];
}
