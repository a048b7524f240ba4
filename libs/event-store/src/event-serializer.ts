import type { EventEnvelope, StoredEvent } from './event-envelope';
import { UpcasterRegistry, upcasters } from './upcasting';

export interface WireMessage {
  readonly key: string;
  readonly value: Buffer;
  readonly headers: Record<string, string>;
}

export function serializeEvent(envelope: EventEnvelope): WireMessage {
  return {
    key: envelope.aggregateId,
    value: Buffer.from(JSON.stringify(envelope)),
    headers: {
      'content-type': 'application/json',
      type: envelope.type,
      version: String(envelope.version),
      'schema-version': String(envelope.schemaVersion),
      'aggregate-type': envelope.aggregateType,
    },
  };
}

export class MalformedEventError extends Error {
  constructor(
    message: string,
    readonly at: { topic: string; partition: number; offset: string },
  ) {
    super(`${message} at ${at.topic}[${at.partition}]@${at.offset}`);
    this.name = 'MalformedEventError';
  }
}

/** Parses a record of an events topic and upcasts its payload to the current schema. */
export function deserializeEvent(
  record: { value: Buffer | null; topic: string; partition: number; offset: string },
  registry: UpcasterRegistry = upcasters,
): StoredEvent {
  const at = { topic: record.topic, partition: record.partition, offset: record.offset };
  if (!record.value) throw new MalformedEventError('empty event record', at);
  let raw: EventEnvelope;
  try {
    raw = JSON.parse(record.value.toString('utf8'));
  } catch {
    throw new MalformedEventError('event record is not JSON', at);
  }
  if (typeof raw?.type !== 'string' || typeof raw.aggregateId !== 'string' || !Number.isInteger(raw.version)) {
    throw new MalformedEventError('event record is not an envelope', at);
  }
  const { schemaVersion, payload } = registry.upcast(raw.type, raw.schemaVersion ?? 1, raw.payload);
  return { ...raw, schemaVersion, payload, ...at };
}
