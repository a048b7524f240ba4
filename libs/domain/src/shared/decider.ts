import type { Command, DomainEvent } from './message';

/**
 * A decider is three pure functions (Emmett). The command processor owns I/O, versions and
 * idempotency; the decider only says which events a command produces and how events build state.
 */
export interface Decider<C extends Command, E extends DomainEvent, S> {
  decide(command: C, state: S): E[];
  evolve(state: S, event: E): S;
  initialState(): S;
}

/** Rebuilds state from events; `state` lets a caller continue from a snapshot instead of from zero. */
export function fold<C extends Command, E extends DomainEvent, S>(decider: Decider<C, E, S>, events: readonly E[], state: S = decider.initialState()): S {
  return events.reduce((current, event) => decider.evolve(current, event), state);
}
