import { bootstrap } from '@es/common';
import { connectProjector, runRebuildCli } from '@es/projections';
import { orderSummaryStore, PROJECTIONS } from '@es/read-models';
import { OrdersProjectorModule } from './orders-projector.module';

const projection = { info: PROJECTIONS.orders, store: orderSummaryStore };

if (process.argv[2] === 'rebuild') {
  // `nx run orders-projector:rebuild`: blue/green rebuild from offset 0 with a progress bar.
  runRebuildCli('orders-projector', (config, logger) => OrdersProjectorModule.forRoot(config, logger), projection).then(
    () => process.exit(0),
    (error) => {
      process.stderr.write(`rebuild failed: ${(error as Error).stack ?? error}\n`);
      process.exit(1);
    },
  );
} else {
  void bootstrap('orders-projector', (config, logger) => OrdersProjectorModule.forRoot(config, logger), {
    configure: (app, config, logger) => connectProjector(app, config, logger, projection),
  });
}
