import { expect } from '@jest/globals';
import type { Decider } from '../shared/decider';
import { fold } from '../shared/decider';
import type { Command, DomainEvent } from '../shared/message';

/**
 * Emmett-style given/when/then for deciders: given past events, when a command arrives, then these
 * events (or this error, or nothing). Test-only: it is not exported from the library's index.
 */
type ErrorClass<T extends Error> = abstract new (...args: never[]) => T;

export interface DeciderThen<E, S> {
  then(expected: readonly E[]): void;
  thenThrows<T extends Error>(errorClass: ErrorClass<T>, predicate?: (error: T) => boolean): void;
  thenNothing(): void;
  /** The state after the new events, for invariants that are easier to state on state. */
  thenState(assert: (state: S, events: readonly E[]) => void): void;
}

export interface DeciderWhen<C, E, S> {
  when(command: C): DeciderThen<E, S>;
}

export const DeciderSpecification = {
  for<C extends Command, E extends DomainEvent, S>(decider: Decider<C, E, S>) {
    return {
      given(events: readonly E[] = []): DeciderWhen<C, E, S> {
        return {
          when(command: C): DeciderThen<E, S> {
            const run = (): { state: S; produced: E[] } => {
              const state = fold(decider, events);
              return { state, produced: decider.decide(command, state) };
            };
            return {
              then(expected) {
                const { state, produced } = run();
                expect(produced).toEqual(expected);
                // Evolving what decide() produced must be possible: a decider whose events it cannot
                // apply would fail later, during rehydration, far from the cause.
                fold(decider, produced, state);
              },
              thenThrows(errorClass, predicate) {
                let produced: E[] | undefined;
                let thrown: unknown;
                try {
                  produced = run().produced;
                } catch (error) {
                  thrown = error;
                }
                if (thrown === undefined) {
                  throw new Error(`expected ${errorClass.name} but decide() returned ${JSON.stringify(produced)}`);
                }
                expect(thrown).toBeInstanceOf(errorClass);
                if (predicate !== undefined) {
                  expect(predicate(thrown as Parameters<typeof predicate>[0])).toBe(true);
                }
              },
              thenNothing() {
                expect(run().produced).toEqual([]);
              },
              thenState(assert) {
                const { state, produced } = run();
                assert(fold(decider, produced, state), produced);
              },
            };
          },
        };
      },
    };
  },
};
