import type { Command, CommandMetadata } from '../shared/message';

/** Fixed values: specs must not depend on a clock or on randomness any more than the domain does. */
export const FIXED_NOW = '2024-01-01T00:00:00.000Z';

export function testMetadata(overrides: Partial<CommandMetadata> = {}): CommandMetadata {
  return { commandId: 'command-1', correlationId: 'correlation-1', now: FIXED_NOW, ...overrides };
}

/**
 * `commandsOf<ProductCommand>()('ReserveStock', {...})` ties the data's type to the command type, so
 * a spec cannot build a command the decider would never receive.
 */
export function commandsOf<C extends Command>() {
  return <T extends C['type']>(type: T, data: Extract<C, { type: T }>['data'], metadata: Partial<CommandMetadata> = {}): Extract<C, { type: T }> =>
    ({ type, data, metadata: testMetadata(metadata) }) as Extract<C, { type: T }>;
}
