import { SetMetadata } from '@nestjs/common';
import type { ClientCommandType } from '@es/domain';

export const SENDS_COMMAND = 'es:sends-command';

/**
 * Marks the endpoint that sends a client command. command-routes.spec.ts checks that every command
 * the domain declares `client` has exactly one such endpoint: a new client command without an
 * endpoint fails the unit tier, not a user.
 */
export const SendsCommand = (type: ClientCommandType) => SetMetadata(SENDS_COMMAND, type);
