import { bootstrap } from '@es/common';
import { runStateToolsCli } from './cli/state-tools.cli';
import { CommandProcessorModule } from './command-processor.module';

const command = process.argv[2];
if (command === 'rebuild-state' || command === 'verify-state') {
  // `nx run command-processor:rebuild-state` / `:verify-state` (operator commands, see the CLI).
  runStateToolsCli(command, process.argv.slice(3)).then(
    (code) => process.exit(code),
    (error) => {
      process.stderr.write(`${command} failed: ${(error as Error).stack ?? error}\n`);
      process.exit(1);
    },
  );
} else {
  void bootstrap('command-processor', (config, logger) => CommandProcessorModule.forRoot(config, logger));
}
