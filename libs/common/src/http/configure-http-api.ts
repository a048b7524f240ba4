import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import type { JsonLogger } from '../logging/json-logger';
import { httpMetricsMiddleware } from '../metrics/http-metrics.middleware';
import { Metrics } from '../metrics/metrics';
import { MAX_URL_LENGTH } from './http-server-limits';
import { PROBLEM_CONTENT_TYPE, problem } from './problem';
import { bodyParserProblem, ProblemFilter } from './problem.filter';

export const BODY_LIMIT = '64kb';

/** Shared HTTP wiring of the public APIs: URLs up to 8 KiB (414), 64 KiB JSON bodies (413), problem+json errors, OpenAPI at /docs. */
export function configureHttpApi(app: NestExpressApplication, logger: JsonLogger, title: string, description: string): void {
  // First, so that the duration covers everything the request costs, refusals included.
  app.use(httpMetricsMiddleware(app.get(Metrics)));
  // Before anything parses or routes it; longer heads than Node's 16 KiB get 431 from the server itself.
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (req.originalUrl.length <= MAX_URL_LENGTH) return next();
    const body = problem(414, 'URI Too Long', `the request target is longer than ${MAX_URL_LENGTH} characters`);
    res.status(414).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
  });
  app.useBodyParser('json', { limit: BODY_LIMIT, strict: true });
  // Right behind the parser: Nest would turn its errors into a bare 400 and lose what went wrong.
  app.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    const body = bodyParserProblem(error);
    if (!body) return next(error);
    res.status(body.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
  });
  app.useGlobalFilters(new ProblemFilter(logger));
  app.disable('x-powered-by');
  const document = SwaggerModule.createDocument(app, new DocumentBuilder().setTitle(title).setDescription(description).setVersion('1').addBearerAuth().build());
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
}
