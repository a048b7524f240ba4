import { bootstrap } from '@es/common';
import { CommandProcessorModule } from './command-processor.module';

void bootstrap('command-processor', (config, logger) => CommandProcessorModule.forRoot(config, logger));
