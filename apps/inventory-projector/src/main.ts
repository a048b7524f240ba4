import { bootstrap } from '@es/common';
import { InventoryProjectorModule } from './inventory-projector.module';

void bootstrap('inventory-projector', (config, logger) => InventoryProjectorModule.forRoot(config, logger));
