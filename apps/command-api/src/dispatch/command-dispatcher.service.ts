import { Injectable } from '@nestjs/common';
import type { Histogram } from 'prom-client';
import { Metrics } from '@es/common';
import { isDomainError, type BoundedContext } from '@es/domain';
import { KafkaCommandTransport, type CommandSuccess } from '@es/kafka';
import type { CommandOptions } from '../http/command-headers';
import { commandIdFor } from '../http/command-ids';

export interface DispatchRequest<D> {
  readonly context: BoundedContext;
  readonly type: string;
  readonly aggregateId: string;
  readonly data: D;
  readonly options: CommandOptions;
}

/**
 * What every command handler does once it has built the command's data: give it its command id,
 * send it over Kafka, wait for the processor's outcome and time it. Domain errors from the reply are
 * rethrown as they are; only the HTTP layer (ProblemFilter) turns them into status codes.
 */
@Injectable()
export class CommandDispatcher {
  private readonly duration: Histogram;

  constructor(
    private readonly transport: KafkaCommandTransport,
    metrics: Metrics,
  ) {
    this.duration = metrics.histogram(
      'es_command_api_duration_seconds',
      'Time from sending a command to Kafka until its outcome arrived, by command type and outcome',
      ['type', 'outcome'],
    );
  }

  async dispatch<D>({ context, type, aggregateId, data, options }: DispatchRequest<D>): Promise<CommandSuccess> {
    const stop = this.duration.startTimer({ type });
    try {
      const success = await this.transport.send({
        context,
        type,
        aggregateId,
        data,
        commandId: commandIdFor(type, options.idempotencyKey, aggregateId),
        correlationId: options.correlationId,
        ...(options.expectedVersion !== undefined ? { expectedVersion: options.expectedVersion } : {}),
      });
      stop({ outcome: success.duplicate ? 'duplicate' : 'ok' });
      return success;
    } catch (error) {
      // Outcome label = the error code (conflict, not_found, timeout, unavailable …): bounded, and
      // the same vocabulary as the problem types.
      stop({ outcome: isDomainError(error) ? error.code.toLowerCase() : 'error' });
      throw error;
    }
  }
}
