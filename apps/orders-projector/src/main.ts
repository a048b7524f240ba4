import { bootstrap } from '@es/common';
import { orderSummaryProjection, runRebuildCli } from '@es/projections';
import { OrdersProjectorModule } from './orders-projector.module';

if (process.argv[2] === 'rebuild') {
  // `nx run orders-projector:rebuild`: blue/green rebuild from offset 0 with a progress bar.
  runRebuildCli('orders-projector', orderSummaryProjection).then(
    () => process.exit(0),
    (error) => {
      process.stderr.write(`rebuild failed: ${(error as Error).stack ?? error}\n`);
      process.exit(1);
    },
  );
} else {
  void bootstrap('orders-projector', (config, logger) => OrdersProjectorModule.forRoot(config, logger));
}
