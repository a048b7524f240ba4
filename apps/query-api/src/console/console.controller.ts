import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { CONSOLE_SCRIPT } from './console.client';
import { CONSOLE_CSS, CONSOLE_HTML } from './console.page';

/**
 * The operations console (issue 10): one static page, its script and its style, all served from
 * the query API's own bundle. It calls only this API, same origin: `GET /projections`,
 * `/streams/…`, `/correlations/…`, `/rates`, and with the admin token — kept in the tab's
 * sessionStorage, sent as a bearer header, never in a URL — rebuilds and dead letters.
 */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

@ApiExcludeController()
@Controller('console')
export class ConsoleController {
  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Content-Security-Policy', CSP)
  @Header('Cache-Control', 'no-cache')
  page(): string {
    return CONSOLE_HTML;
  }

  @Get('console.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  script(): string {
    return CONSOLE_SCRIPT;
  }

  @Get('console.css')
  @Header('Content-Type', 'text/css; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  style(): string {
    return CONSOLE_CSS;
  }
}
