import { ConcurrencyError } from './errors';
import type { CommandMetadata } from './message';

/**
 * Every aggregate state carries its version: the number of events in its stream, so 0 means the
 * aggregate does not exist yet. evolve() adds exactly 1 per event, which is what lets the processor
 * stamp events with gap-free versions 1, 2, 3 … (docs/events.md, "The event envelope").
 */
export interface Versioned {
  readonly version: number;
}

export const NO_STREAM_VERSION = 0;

/**
 * Called first by every decide(): a stale If-Match must fail even when the command would have been
 * a no-op, otherwise the client would believe its precondition held.
 */
export function assertExpectedVersion(metadata: CommandMetadata, state: Versioned): void {
  if (metadata.expectedVersion !== undefined && metadata.expectedVersion !== state.version) {
    throw new ConcurrencyError(metadata.expectedVersion, state.version);
  }
}

export function nextVersion(state: Versioned): number {
  return state.version + 1;
}
