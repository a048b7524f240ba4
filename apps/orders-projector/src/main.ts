import { bootstrap } from '@es/common';
import { OrdersProjectorModule } from './orders-projector.module';

void bootstrap('orders-projector', (config, logger) => OrdersProjectorModule.forRoot(config, logger));
