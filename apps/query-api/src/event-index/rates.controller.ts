import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ReadsEventIndex } from '../consistency/reads-event-index.decorator';
import { QueryParams } from '../shared/query-params';
import { EventIndexReader } from './event-index-reader.service';

class RateBucketDto {
  @ApiProperty({ format: 'date-time', description: 'Start of the bucket' }) at!: string;
  @ApiProperty({ description: 'Events that occurred in the bucket, every context' }) events!: number;
  @ApiProperty({ description: 'Distinct accepted commands behind them' }) commands!: number;
}

class RatesDto {
  @ApiProperty() minutes!: number;
  @ApiProperty() bucketSeconds!: number;
  @ApiProperty({ type: [RateBucketDto] }) buckets!: RateBucketDto[];
}

@ApiTags('streams')
@ReadsEventIndex()
@Controller('rates')
export class RatesController {
  constructor(private readonly reader: EventIndexReader) {}

  @Get()
  @ApiOperation({ summary: 'Accepted commands and events per bucket over the last minutes, from the event index (the console`s rates)' })
  @ApiQuery({ name: 'minutes', required: false, type: Number, description: '1–60, default 5' })
  @ApiQuery({ name: 'bucketSeconds', required: false, type: Number, description: '1–600, default 10' })
  @ApiOkResponse({ type: RatesDto })
  async rates(@Query() query: Record<string, unknown>): Promise<RatesDto> {
    const params = new QueryParams(query, ['minutes', 'bucketSeconds']);
    const minutes = params.int('minutes', 5, 1, 60);
    const bucketSeconds = params.int('bucketSeconds', 10, 1, 600);
    params.done();
    return { minutes, bucketSeconds, buckets: await this.reader.rates(minutes, bucketSeconds) };
  }
}
