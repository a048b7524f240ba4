import { Controller, Get, Param, Query, Req } from '@nestjs/common';
import type { Request } from 'express';
import { ApiHeader, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { NotFoundError, unstorableStringProblem } from '@es/domain';
import { EVENT_INDEX_CONTEXTS, MAX_VERSION } from '@es/read-models';
import { MIN_POSITION_HEADER } from '../consistency/min-position.interceptor';
import { ReadsEventIndex } from '../consistency/reads-event-index.decorator';
import { decodeCursor, encodeCursor, QueryParams } from '../shared/query-params';
import { AggregateStateDto, StreamPageDto } from './event-index.dto';
import { EventIndexReader, type IndexedContext, type StateView } from './event-index-reader.service';

/** ISO-8601 date-time with a zone (`Z` or ±hh:mm), as the events' occurredAt. */
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** Checks the path's context and aggregate id; an unknown context is a resource that does not exist (404). */
export function streamOf(context: string, aggregateId: string, params: QueryParams): IndexedContext {
  const problem = aggregateId.length > 200 ? 'must be 1–200 characters' : unstorableStringProblem(aggregateId);
  if (problem) params.fail('aggregateId', problem);
  params.done();
  if (!EventIndexReader.isContext(context)) throw new NotFoundError(`unknown context ${context} (known: ${EVENT_INDEX_CONTEXTS.join(', ')})`);
  return context;
}

@ApiTags('streams')
@ApiHeader({ name: MIN_POSITION_HEADER, required: false, description: 'Wait until the event index has applied this command position' })
@ReadsEventIndex()
@Controller('streams')
export class StreamsController {
  constructor(private readonly reader: EventIndexReader) {}

  @Get(':context/:aggregateId/events')
  @ApiOperation({ summary: "An aggregate's events from the event index, oldest first, paginated by cursor" })
  @ApiParam({ name: 'context', enum: EVENT_INDEX_CONTEXTS })
  @ApiQuery({ name: 'fromVersion', required: false, type: Number, description: 'First version, default 1' })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: '1–1000, default 100' })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiOkResponse({ type: StreamPageDto })
  @ApiNotFoundResponse({ description: 'Unknown context, or no events of this aggregate' })
  async events(@Param('context') context: string, @Param('aggregateId') aggregateId: string, @Query() query: Record<string, unknown>) {
    const params = new QueryParams(query, ['fromVersion', 'limit', 'cursor']);
    const fromVersion = params.int('fromVersion', 1, 1, MAX_VERSION);
    const limit = params.int('limit', 100, 1, 1000);
    const cursor = params.cursor('cursor', (raw) => {
      const decoded = decodeCursor(raw, ['n']);
      return decoded && /^[1-9]\d{0,9}$/.test(decoded.n) && Number(decoded.n) <= MAX_VERSION ? Number(decoded.n) : undefined;
    });
    const ctx = streamOf(context, aggregateId, params);
    const page = await this.reader.history(ctx, aggregateId, cursor ?? fromVersion, limit);
    return { context: ctx, aggregateId, items: page.items, nextCursor: page.next === undefined ? null : encodeCursor({ n: String(page.next) }) };
  }

  @Get(':context/:aggregateId/state')
  @ApiOperation({ summary: "An aggregate's state at a version or a time, folded from the event index with the domain's evolve" })
  @ApiParam({ name: 'context', enum: EVENT_INDEX_CONTEXTS })
  @ApiQuery({ name: 'version', required: false, type: Number, description: 'State after this version; default the latest' })
  @ApiQuery({ name: 'at', required: false, description: 'ISO-8601 date-time: state after the last event at or before it (not with version)' })
  @ApiOkResponse({ type: AggregateStateDto })
  @ApiNotFoundResponse({ description: 'Unknown context, no events of this aggregate, or no such version / none at that time' })
  async state(
    @Param('context') context: string,
    @Param('aggregateId') aggregateId: string,
    @Query() query: Record<string, unknown>,
    @Req() req: Request,
  ): Promise<StateView> {
    const params = new QueryParams(query, ['version', 'at']);
    const version = query.version === undefined ? undefined : params.int('version', 1, 1, MAX_VERSION);
    const at = params.string('at', { max: 40 });
    if (at !== undefined && (!ISO_DATE_TIME.test(at) || Number.isNaN(Date.parse(at))))
      params.fail('at', 'must be an ISO-8601 date-time with a zone, e.g. 2026-03-01T10:00:00Z');
    if (version !== undefined && at !== undefined) params.fail('at', 'give either version or at, not both');
    const ctx = streamOf(context, aggregateId, params);
    // A fold of a long history takes a while; one whose client hung up stops at its next page.
    return this.reader.stateAt(ctx, aggregateId, { version, at: at === undefined ? undefined : new Date(at).toISOString() }, () => req.socket.destroyed);
  }
}
