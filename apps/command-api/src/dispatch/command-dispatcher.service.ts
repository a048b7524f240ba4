import { Injectable } from '@nestjs/common';
import type { Histogram } from 'prom-client';
import { isServiceError, Metrics } from '@es/common';
import { BOUNDED_CONTEXTS, contextOfCommandType, isDomainError, type BoundedContext, type ClientCommandPayload } from '@es/domain';
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
 * The command API's one command handler (Emmett's DeciderCommandHandler, minus the decider, which
 * runs in the command processor): it takes any client command of the domain's union, finds its
 * context and aggregate id in the domain's context definitions, gives it its command id, sends it
 * over Kafka, waits for the processor's outcome and times it. There is no per-command class to
 * register, so there is nothing to forget: a command type the domain does not declare as a `client`
 * command does not compile here. Domain errors from the reply are rethrown as they are; only the
 * HTTP layer (ProblemFilter) turns them into status codes.
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

  /** Sends a client command: context and aggregate id come from the domain (bounded-contexts.constants.ts). */
  send(command: ClientCommandPayload, options: CommandOptions): Promise<CommandSuccess> {
    const context = contextOfCommandType(command.type);
    const aggregateId = BOUNDED_CONTEXTS[context].aggregateIdOf(command as never);
    return this.dispatch({ context, type: command.type, aggregateId, data: command.data, options });
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
      stop({ outcome: isDomainError(error) || isServiceError(error) ? error.code.toLowerCase() : 'error' });
      throw error;
    }
  }
}
