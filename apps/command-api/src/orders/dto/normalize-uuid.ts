import { Transform } from 'class-transformer';

/**
 * UUIDs compare case-insensitively (RFC 9562 §4) but the order id is a Kafka key and a database key,
 * which do not: `ABC…` and `abc…` would be two orders. Ids are lowercased on the way in.
 */
export function NormalizeUuid(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.toLowerCase() : value));
}
