/**
 * Tests pick ports the way the launchers do (tools/process/free-port.js: below the kernel's
 * ephemeral range, so no outgoing connection can take the port before the server binds it). The one
 * implementation lives in tools/ because the launchers are plain JavaScript run without a build;
 * tools/ is not an Nx project, hence the boundary rule's exception here.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports, @nx/enforce-module-boundaries
const ports = require('../../../tools/process/free-port') as { freePort(host?: string): Promise<number> };

export const freePort = (host = '127.0.0.1'): Promise<number> => ports.freePort(host);
