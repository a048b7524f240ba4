/** One indexed event: the envelope as the projector read it, payload upcast to the current schema. */
export interface IndexedEventRow {
  readonly eventId: string;
  readonly context: string;
  readonly aggregateType: string;
  readonly aggregateId: string;
  readonly version: number;
  readonly type: string;
  readonly schemaVersion: number;
  readonly payload: unknown;
  readonly occurredAt: string;
  readonly commandId: string;
  readonly correlationId: string;
  readonly causationId: string | null;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}
