import { bootstrap, configureHttpApi } from '@es/common';
import { CommandApiModule } from './command-api.module';

void bootstrap('command-api', (config, logger) => CommandApiModule.forRoot(config, logger), {
  configure: (app, _config, logger) => configureHttpApi(app, logger, 'Command API', 'The HTTP contract: docs/api.md in the repository.'),
});
