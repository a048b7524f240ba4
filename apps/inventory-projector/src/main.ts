import { bootstrap } from '@es/common';
import { connectProjector, runRebuildCli } from '@es/projections';
import { PROJECTIONS, productStockStore } from '@es/read-models';
import { InventoryProjectorModule } from './inventory-projector.module';

const projection = { info: PROJECTIONS.inventory, store: productStockStore };

if (process.argv[2] === 'rebuild') {
  // `nx run inventory-projector:rebuild`: blue/green rebuild from offset 0 with a progress bar.
  runRebuildCli('inventory-projector', (config, logger) => InventoryProjectorModule.forRoot(config, logger), projection).then(
    () => process.exit(0),
    (error) => {
      process.stderr.write(`rebuild failed: ${(error as Error).stack ?? error}\n`);
      process.exit(1);
    },
  );
} else {
  void bootstrap('inventory-projector', (config, logger) => InventoryProjectorModule.forRoot(config, logger), {
    configure: (app, config, logger) => connectProjector(app, config, logger, projection),
  });
}
