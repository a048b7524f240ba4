import { bootstrap } from '@es/common';
import { productStockProjection, runRebuildCli } from '@es/projections';
import { InventoryProjectorModule } from './inventory-projector.module';

if (process.argv[2] === 'rebuild') {
  // `nx run inventory-projector:rebuild`: blue/green rebuild from offset 0 with a progress bar.
  runRebuildCli('inventory-projector', productStockProjection).then(
    () => process.exit(0),
    (error) => {
      process.stderr.write(`rebuild failed: ${(error as Error).stack ?? error}\n`);
      process.exit(1);
    },
  );
} else {
  void bootstrap('inventory-projector', (config, logger) => InventoryProjectorModule.forRoot(config, logger));
}
