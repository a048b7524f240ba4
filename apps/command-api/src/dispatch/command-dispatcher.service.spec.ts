import { Metrics } from '@es/common';
import { ConflictError } from '@es/domain';
import type { CommandRequest, CommandSuccess, KafkaCommandTransport } from '@es/kafka';
import { commandIdFor } from '../http/command-ids';
import { CommandDispatcher } from './command-dispatcher.service';

/** Stands in for the Kafka transport: records what it is asked to send, answers as told. */
class RecordingTransport {
  readonly sent: CommandRequest[] = [];
  constructor(private readonly answer: (request: CommandRequest) => CommandSuccess) {}
  async send(request: CommandRequest): Promise<CommandSuccess> {
    this.sent.push(request);
    return this.answer(request);
  }
}

const success = (request: CommandRequest, duplicate = false): CommandSuccess => ({
  commandId: request.commandId,
  ok: true,
  aggregateId: request.aggregateId,
  version: 1,
  position: 'p',
  duplicate,
  eventTypes: [],
});

function setup(answer: (request: CommandRequest) => CommandSuccess) {
  const transport = new RecordingTransport(answer);
  const metrics = new Metrics('command-api-test');
  const dispatcher = new CommandDispatcher(transport as unknown as KafkaCommandTransport, metrics);
  const count = async (type: string, outcome: string) => {
    const text = await metrics.registry.metrics();
    const match = new RegExp(`^es_command_api_duration_seconds_count\\{[^}]*type="${type}",outcome="${outcome}"[^}]*\\} (\\d+)$`, 'm').exec(text);
    return match ? Number(match[1]) : 0;
  };
  return { transport, dispatcher, count };
}

const request = { context: 'inventory' as const, type: 'RegisterProduct', aggregateId: 'SKU-1', data: { sku: 'SKU-1', name: 'Cup' } };

describe('CommandDispatcher', () => {
  it('sends the command with the id derived from the Idempotency-Key, the correlation id and the expected version', async () => {
    const { transport, dispatcher } = setup((r) => success(r));
    await dispatcher.dispatch({ ...request, options: { correlationId: 'corr-1', idempotencyKey: 'key-1', expectedVersion: 0 } });
    expect(transport.sent).toEqual([
      { ...request, commandId: commandIdFor('RegisterProduct', 'key-1', request.aggregateId), correlationId: 'corr-1', expectedVersion: 0 },
    ]);
  });

  it('leaves expectedVersion out when there was no If-Match', async () => {
    const { transport, dispatcher } = setup((r) => success(r));
    await dispatcher.dispatch({ ...request, options: { correlationId: 'corr-1' } });
    expect(transport.sent[0]).not.toHaveProperty('expectedVersion');
  });

  it('counts a first outcome as ok and a remembered one as duplicate', async () => {
    let calls = 0;
    const { dispatcher, count } = setup((r) => success(r, calls++ > 0));
    await dispatcher.dispatch({ ...request, options: { correlationId: 'c', idempotencyKey: 'k' } });
    await dispatcher.dispatch({ ...request, options: { correlationId: 'c', idempotencyKey: 'k' } });
    expect([await count('RegisterProduct', 'ok'), await count('RegisterProduct', 'duplicate')]).toEqual([1, 1]);
  });

  it('rethrows a domain error as it is and counts it under its code', async () => {
    const { dispatcher, count } = setup(() => {
      throw new ConflictError('product SKU-1 is already registered');
    });
    await expect(dispatcher.dispatch({ ...request, options: { correlationId: 'c' } })).rejects.toBeInstanceOf(ConflictError);
    expect(await count('RegisterProduct', 'conflict')).toBe(1);
  });
});
