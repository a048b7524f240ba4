import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiHeader, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { unstorableStringProblem } from '@es/domain';
import { MIN_POSITION_HEADER } from '../consistency/min-position.interceptor';
import { ReadsEventIndex } from '../consistency/reads-event-index.decorator';
import { QueryParams } from '../shared/query-params';
import { CorrelationTraceDto } from './event-index.dto';
import { EventIndexReader } from './event-index-reader.service';

@ApiTags('streams')
@ApiHeader({ name: MIN_POSITION_HEADER, required: false, description: 'Wait until the event index has applied this command position' })
@ReadsEventIndex()
@Controller('correlations')
export class CorrelationsController {
  constructor(private readonly reader: EventIndexReader) {}

  @Get(':correlationId')
  @ApiOperation({ summary: 'Everything one request caused: the accepted commands and their events in every context, in causal order' })
  @ApiOkResponse({ type: CorrelationTraceDto })
  @ApiNotFoundResponse({ description: 'No event carries this correlation id' })
  async trace(@Param('correlationId') correlationId: string, @Query() query: Record<string, unknown>) {
    const params = new QueryParams(query, []);
    const problem = correlationId.length > 200 ? 'must be 1–200 characters' : unstorableStringProblem(correlationId);
    if (problem) params.fail('correlationId', problem);
    params.done();
    return this.reader.correlation(correlationId);
  }
}
