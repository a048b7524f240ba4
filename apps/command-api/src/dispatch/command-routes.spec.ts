import { CLIENT_COMMAND_TYPES } from '@es/domain';
import { COMMAND_CONTROLLERS } from '../command-api.module';
import { SENDS_COMMAND } from './sends-command.decorator';

/** Every @SendsCommand endpoint of the API, as `Controller.method → command type`. */
function routedCommands(): Map<string, string[]> {
  const routed = new Map<string, string[]>();
  for (const controller of COMMAND_CONTROLLERS) {
    const prototype = controller.prototype as unknown as Record<string, unknown>;
    for (const method of Object.getOwnPropertyNames(prototype)) {
      if (method === 'constructor' || typeof prototype[method] !== 'function') continue;
      const type = Reflect.getMetadata(SENDS_COMMAND, prototype[method] as object) as string | undefined;
      if (type !== undefined) routed.set(type, [...(routed.get(type) ?? []), `${controller.name}.${method}`]);
    }
  }
  return routed;
}

describe('command routes', () => {
  // The compile-time half: a new command must be classified `client` or `process` where the domain
  // declares it; this is the run-time half, so a `client` command without an endpoint fails here.
  it('give every client command of the domain exactly one endpoint', () => {
    const routed = routedCommands();
    const missing = CLIENT_COMMAND_TYPES.filter((type) => !routed.has(type));
    const twice = [...routed].filter(([, methods]) => methods.length > 1);
    expect({ missing, twice }).toEqual({ missing: [], twice: [] });
  });

  it('route no command the domain does not declare as a client command', () => {
    const extra = [...routedCommands().keys()].filter((type) => !(CLIENT_COMMAND_TYPES as readonly string[]).includes(type));
    expect(extra).toEqual([]);
  });
});
