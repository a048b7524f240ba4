import { bootstrap } from '@es/common';
import { EventIndexProjectorModule } from './event-index-projector.module';

/**
 * The event index projector (issue 10): one projection per context that keeps every event in
 * PostgreSQL for the query API's /streams and /correlations. A separate deployable so that indexing
 * every event (or rebuilding the index from offset 0) never slows the orders and inventory read models.
 */
void bootstrap('event-index-projector', (config, logger) => EventIndexProjectorModule.forRoot(config, logger));
