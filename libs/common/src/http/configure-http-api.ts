import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { JsonLogger } from '../logging/json-logger';
import { ProblemFilter } from './problem.filter';

export const BODY_LIMIT = '64kb';

/** Shared HTTP wiring of the public APIs: 64 KiB JSON bodies, problem+json errors, OpenAPI at /docs. */
export function configureHttpApi(app: NestExpressApplication, logger: JsonLogger, title: string, description: string): void {
  app.useBodyParser('json', { limit: BODY_LIMIT, strict: true });
  app.useGlobalFilters(new ProblemFilter(logger));
  app.disable('x-powered-by');
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder().setTitle(title).setDescription(description).setVersion('1').addBearerAuth().build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
}
