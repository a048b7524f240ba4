import type { KafkaMessage } from 'kafkajs';

/**
 * What a dead letter keeps of a record that did not decode: its value as JSON when it parses (else
 * the text), and its event type from the `type` header or, failing that, the value's `type` field.
 * Shared by the projection runner and the fulfillment saga so both describe poison the same way.
 */
export function undecodableRecord(message: Pick<KafkaMessage, 'value' | 'headers'>): { payload: unknown; eventType: string | null } {
  let payload: unknown = message.value?.toString('utf8') ?? null;
  try {
    payload = JSON.parse(String(payload));
  } catch {
    /* keep the text */
  }
  const header = message.headers?.type;
  const field = (payload as { type?: unknown } | null)?.type;
  return { payload, eventType: header ? String(header) : typeof field === 'string' ? field : null };
}
