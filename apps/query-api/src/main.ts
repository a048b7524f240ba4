import { bootstrap, configureHttpApi } from '@es/common';
import { QueryApiModule } from './query-api.module';

void bootstrap('query-api', (config, logger) => QueryApiModule.forRoot(config, logger), {
  configure: (app, _config, logger) => configureHttpApi(app, logger, 'Query API', 'The HTTP contract: docs/api.md in the repository.'),
});
