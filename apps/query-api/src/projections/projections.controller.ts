import { Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { ValidationError } from '@es/domain';
import { PROJECTION_NAMES } from '@es/read-models';
import { AdminTokenGuard } from '../consistency/admin-token.guard';
import { QueryParams } from '../shared/query-params';
import { ProjectionStatusService } from './projection-status.service';

class PartitionStatusDto {
  @ApiProperty() topic!: string;
  @ApiProperty() partition!: number;
  @ApiProperty({ nullable: true, type: Number, description: 'Last applied offset' }) checkpoint!: number | null;
  @ApiProperty({ description: 'High watermark' }) endOffset!: number;
  @ApiProperty() lag!: number;
}

class RebuildProgressDto {
  @ApiProperty() targetVersion!: number;
  @ApiProperty() processed!: number;
  @ApiProperty() total!: number;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) startedAt!: string | null;
}

class DeadLetterDto {
  @ApiProperty() id!: number;
  @ApiProperty() projection!: string;
  @ApiProperty() version!: number;
  @ApiProperty() topic!: string;
  @ApiProperty() partition!: number;
  @ApiProperty() offset!: number;
  @ApiProperty({ nullable: true, type: String }) eventType!: string | null;
  @ApiProperty() error!: string;
  @ApiProperty({ enum: ['PENDING', 'RETRYING', 'SKIPPED', 'RESOLVED'] }) status!: string;
  @ApiProperty() attempts!: number;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

class ProjectionStatusDto {
  @ApiProperty({ enum: PROJECTION_NAMES }) name!: string;
  @ApiProperty() activeVersion!: number;
  @ApiProperty({ enum: ['RUNNING', 'REBUILDING', 'STOPPED', 'NOT_STARTED', 'DOWN'] }) status!: string;
  @ApiProperty() lag!: number;
  @ApiProperty({ type: [PartitionStatusDto] }) partitions!: PartitionStatusDto[];
  @ApiProperty({ type: RebuildProgressDto, nullable: true }) rebuild!: RebuildProgressDto | null;
  @ApiProperty({ type: [DeadLetterDto], description: 'Unresolved dead letters' }) deadLetters!: DeadLetterDto[];
}

class RebuildAcceptedDto {
  @ApiProperty() name!: string;
  @ApiProperty() targetVersion!: number;
}

@ApiTags('projections')
@Controller('projections')
export class ProjectionsController {
  constructor(private readonly status: ProjectionStatusService) {}

  @Get()
  @ApiOperation({ summary: 'Every projection: active version, per-partition checkpoint and lag, rebuild progress, dead letters' })
  @ApiOkResponse({ type: [ProjectionStatusDto] })
  list(@Query() query: Record<string, unknown>) {
    new QueryParams(query, []).done();
    return this.status.all();
  }

  @Post(':name/rebuild')
  @HttpCode(202)
  @UseGuards(AdminTokenGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Start a blue/green rebuild from offset 0 (one at a time per projection)' })
  @ApiAcceptedResponse({ type: RebuildAcceptedDto })
  rebuild(@Param('name') name: string) {
    return this.status.requestRebuild(name);
  }

  @Get('dead-letters')
  @UseGuards(AdminTokenGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'All dead letters (extension), optionally of one projection' })
  @ApiOkResponse({ type: [DeadLetterDto] })
  deadLetters(@Query() query: Record<string, unknown>) {
    const params = new QueryParams(query, ['projection']);
    const projection = params.string('projection', { max: 64 });
    params.done();
    return this.status.deadLetters(projection);
  }

  @Post('dead-letters/:id/retry')
  @HttpCode(202)
  @UseGuards(AdminTokenGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Process a dead-lettered event again; its stopped partition resumes (extension)' })
  @ApiAcceptedResponse({ type: DeadLetterDto })
  retry(@Param('id') id: string) {
    return this.status.retry(parseId(id));
  }

  @Post('dead-letters/:id/skip')
  @HttpCode(202)
  @UseGuards(AdminTokenGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Give up on a dead-lettered event; its partition resumes after it (extension)' })
  @ApiAcceptedResponse({ type: DeadLetterDto })
  skip(@Param('id') id: string) {
    return this.status.skip(parseId(id));
  }
}

function parseId(raw: string): number {
  if (!/^\d{1,15}$/.test(raw)) throw new ValidationError([{ field: 'id', message: 'must be a positive integer' }]);
  return Number(raw);
}
