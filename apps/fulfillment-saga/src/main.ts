import { bootstrap } from '@es/common';
import { FulfillmentSagaModule } from './fulfillment-saga.module';

void bootstrap('fulfillment-saga', (config, logger) => FulfillmentSagaModule.forRoot(config, logger));
