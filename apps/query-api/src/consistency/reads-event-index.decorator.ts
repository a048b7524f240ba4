import { SetMetadata } from '@nestjs/common';

/** Which read models an X-Min-Position waits for: the read models proper, or the event index. */
export type WaitScope = 'read-models' | 'event-index';

export const WAIT_SCOPE = 'es:wait-scope';

/**
 * Marks a controller whose reads come from the event index: its X-Min-Position waits for the event
 * index projections of the position's context, and the other endpoints never wait for the index.
 */
export const ReadsEventIndex = () => SetMetadata(WAIT_SCOPE, 'event-index' satisfies WaitScope);
