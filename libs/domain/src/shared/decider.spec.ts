import { describe, expect, it } from '@jest/globals';
import { ConflictError, NotFoundError } from './errors';
import { fold, type Decider } from './decider';
import type { Command, DomainEvent } from './message';
import { DeciderSpecification } from '../testing/decider-specification';
import { testMetadata } from '../testing/command.fixtures';

type Add = Command<'Add', { readonly amount: number }>;
type Added = DomainEvent<'Added', { readonly amount: number }>;
interface Counter {
  readonly version: number;
  readonly total: number;
}

const counter: Decider<Add, Added, Counter> = {
  decide: (command, state) => {
    if (state.total + command.data.amount > 10) throw new ConflictError('too much');
    return command.data.amount === 0 ? [] : [{ type: 'Added', data: { amount: command.data.amount } }];
  },
  evolve: (state, event) => ({ version: state.version + 1, total: state.total + event.data.amount }),
  initialState: () => ({ version: 0, total: 0 }),
};
const added = (amount: number): Added => ({ type: 'Added', data: { amount } });
const add = (amount: number): Add => ({ type: 'Add', data: { amount }, metadata: testMetadata() });

describe('fold', () => {
  it('starts from the initial state when given none', () => {
    expect(fold(counter, [added(1), added(2)])).toEqual({ version: 2, total: 3 });
  });

  it('continues from a given state, as from a snapshot', () => {
    expect(fold(counter, [added(2)], { version: 5, total: 4 })).toEqual({ version: 6, total: 6 });
  });

  it('returns the state unchanged for no events', () => {
    const state = { version: 3, total: 3 };
    expect(fold(counter, [], state)).toBe(state);
  });
});

describe('DeciderSpecification', () => {
  const spec = DeciderSpecification.for(counter);

  it('passes when decide returns the expected events', () => {
    spec
      .given([added(1)])
      .when(add(2))
      .then([added(2)]);
  });

  it('fails when decide returns other events', () => {
    expect(() =>
      spec
        .given([])
        .when(add(2))
        .then([added(3)]),
    ).toThrow();
  });

  it('passes thenThrows for the expected error class and predicate', () => {
    spec
      .given([added(9)])
      .when(add(2))
      .thenThrows(ConflictError, (error) => error.message === 'too much');
  });

  it('fails thenThrows when nothing is thrown, when the class differs, or when the predicate is false', () => {
    expect(() => spec.given([]).when(add(1)).thenThrows(ConflictError)).toThrow(/expected ConflictError/);
    expect(() =>
      spec
        .given([added(9)])
        .when(add(2))
        .thenThrows(NotFoundError),
    ).toThrow();
    expect(() =>
      spec
        .given([added(9)])
        .when(add(2))
        .thenThrows(ConflictError, () => false),
    ).toThrow();
  });

  it('passes thenNothing only when no event is produced', () => {
    spec.given([]).when(add(0)).thenNothing();
    expect(() => spec.given([]).when(add(1)).thenNothing()).toThrow();
  });

  it('hands thenState the state after the new events', () => {
    spec
      .given([added(1)])
      .when(add(2))
      .thenState((state, events) => {
        expect(state).toEqual({ version: 2, total: 3 });
        expect(events).toEqual([added(2)]);
      });
  });
});
