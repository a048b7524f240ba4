import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { HealthRegistry } from './health-check';

@ApiExcludeController()
@Controller()
export class HealthController {
  constructor(private readonly health: HealthRegistry) {}

  /** Readiness: 200 only when every dependency (Kafka, PostgreSQL, …) answers. */
  @Get('health')
  async ready(@Res() res: Response): Promise<void> {
    const report = await this.health.report();
    res.status(report.status === 'ok' ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE).json(report);
  }

  /** Liveness: the event loop answers. */
  @Get('health/live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }
}
