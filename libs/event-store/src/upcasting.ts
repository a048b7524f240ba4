import { EVENT_SCHEMA_VERSIONS, upcastOrderPlacedV1toV2, type OrderPlacedV1Data } from '@es/domain';

type Upcaster = (payload: unknown) => unknown;

/**
 * Turns payloads written with an older schema version into the current shape on read, one step at
 * a time (v1 → v2 → v3 …). Events in Kafka are never rewritten: old records stay as written.
 */
export class UpcasterRegistry {
  private readonly steps = new Map<string, Upcaster>();

  constructor(private readonly current: Readonly<Record<string, number>>) {}

  register<From, To>(type: string, fromVersion: number, upcast: (payload: From) => To): this {
    this.steps.set(`${type}@${fromVersion}`, upcast as Upcaster);
    return this;
  }

  currentVersion(type: string): number | undefined {
    return this.current[type];
  }

  upcast(type: string, schemaVersion: number, payload: unknown): { schemaVersion: number; payload: unknown } {
    const target = this.current[type];
    if (target === undefined) return { schemaVersion, payload }; // a type we do not know: leave as is
    let version = schemaVersion;
    let value = payload;
    while (version < target) {
      const step = this.steps.get(`${type}@${version}`);
      if (!step) throw new Error(`no upcaster for ${type} from schema version ${version} to ${target}`);
      value = step(value);
      version += 1;
    }
    if (version > target) {
      throw new Error(`${type} has schema version ${version}, newer than this build understands (${target}): deploy the newer code first`);
    }
    return { schemaVersion: version, payload: value };
  }
}

/** The registry every reader uses. */
export const upcasters = new UpcasterRegistry(EVENT_SCHEMA_VERSIONS).register<OrderPlacedV1Data, unknown>('OrderPlaced', 1, upcastOrderPlacedV1toV2);
