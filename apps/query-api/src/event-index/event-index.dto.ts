import { ApiProperty } from '@nestjs/swagger';

export class IndexedEventDto {
  @ApiProperty() eventId!: string;
  @ApiProperty({ example: 'orders' }) context!: string;
  @ApiProperty({ example: 'Order' }) aggregateType!: string;
  @ApiProperty() aggregateId!: string;
  @ApiProperty({ description: 'Place in the aggregate stream: 1, 2, 3 …' }) version!: number;
  @ApiProperty({ example: 'OrderPlaced' }) type!: string;
  @ApiProperty({ description: 'Schema version of `payload` (current: older events are upcast)' }) schemaVersion!: number;
  @ApiProperty({ type: 'object', additionalProperties: true }) payload!: unknown;
  @ApiProperty({ format: 'date-time' }) occurredAt!: string;
  @ApiProperty() commandId!: string;
  @ApiProperty() correlationId!: string;
  @ApiProperty({ nullable: true, type: String, description: 'Event id of the cause (saga steps), else null' }) causationId!: string | null;
  @ApiProperty() topic!: string;
  @ApiProperty() partition!: number;
  @ApiProperty({ description: 'Kafka offset (decimal string)' }) offset!: string;
}

export class StreamPageDto {
  @ApiProperty() context!: string;
  @ApiProperty() aggregateId!: string;
  @ApiProperty({ type: [IndexedEventDto] }) items!: IndexedEventDto[];
  @ApiProperty({ nullable: true, type: String, description: 'Opaque; pass as `cursor` for the next page' }) nextCursor!: string | null;
}

export class AggregateStateDto {
  @ApiProperty() context!: string;
  @ApiProperty() aggregateType!: string;
  @ApiProperty() aggregateId!: string;
  @ApiProperty({ description: 'Version the state is at (its last folded event)' }) version!: number;
  @ApiProperty({ format: 'date-time', description: 'occurredAt of the last folded event' }) occurredAt!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: "The domain's own state, folded with its evolve" }) state!: unknown;
}

export class CommandOutcomeDto {
  @ApiProperty() commandId!: string;
  @ApiProperty() context!: string;
  @ApiProperty() aggregateType!: string;
  @ApiProperty() aggregateId!: string;
  @ApiProperty({ nullable: true, type: String }) causationId!: string | null;
  @ApiProperty({ enum: ['ACCEPTED'], description: 'Commands that were refused wrote no events and do not appear' }) outcome!: string;
  @ApiProperty() fromVersion!: number;
  @ApiProperty() toVersion!: number;
  @ApiProperty({ type: [String] }) eventTypes!: string[];
}

export class CorrelationTraceDto {
  @ApiProperty() correlationId!: string;
  @ApiProperty({ type: [CommandOutcomeDto], description: 'In causal order of their first event' }) commands!: CommandOutcomeDto[];
  @ApiProperty({ type: [IndexedEventDto], description: 'Causal order: a cause before its effects, a stream in version order' }) events!: IndexedEventDto[];
  @ApiProperty({ description: 'True when the trace had more than 5,000 events (or more than 20 causation rounds) and only those found first are listed' })
  truncated!: boolean;
}
