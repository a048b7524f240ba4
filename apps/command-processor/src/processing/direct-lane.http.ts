import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { timingSafeEqual } from 'node:crypto';
import { AppConfig, isServiceError, JsonLogger, problem, PROBLEM_CONTENT_TYPE } from '@es/common';
import { isDomainError, toErrorPayload } from '@es/domain';
import { CommandConsumerService, NotServedHereError } from './command-consumer.service';

/** Largest request accepted: up to MAX_COMMANDS envelopes of a 64 KiB command body each would be more, but a batch is sized by the sender. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;
/** Commands in one request, at most (the sender's batch is smaller). */
const MAX_COMMANDS = 1000;

/**
 * The processor's end of the direct lane (docs/architecture.md). `POST /internal/commands` takes a
 * JSON array of command envelopes — each exactly as the command API would have put it on its command
 * topic — and answers with one NDJSON line per command as soon as that command is committed (or
 * refused): `{"i": <index>, "status": 200, "reply": <the reply it would have put on the replies
 * topic>}`, or status 421 (its partition is not served here), 400 (not a command) or 503 (its
 * partition's commit failed, outcome unknown). Commands of one request may be decided in different
 * partitions' transactions; each line goes out when its own is done, so a batch costs its sender one
 * round trip without holding a fast command behind a slow one. `GET /internal/partitions` says which
 * partitions this instance serves. Both need `Authorization: Bearer <COMMAND_DIRECT_TOKEN>`; without
 * a token configured they do not exist.
 *
 * Plain Express handlers, not a Nest controller: this is the hot path of every write, and all it does
 * is hand values to the partitions' writers (no DTOs, pipes or interceptors to run).
 */
export function mountDirectLane(app: NestExpressApplication, config: AppConfig, logger: JsonLogger): void {
  const token = config.directCommands.token;
  if (token === undefined) return;
  const expected = Buffer.from(`Bearer ${token}`);
  const service = app.get(CommandConsumerService);
  const refuse = (res: Response, status: number, title: string, detail: string) =>
    res
      .status(status)
      .type(PROBLEM_CONTENT_TYPE)
      .send(JSON.stringify(problem(status, title, detail)));
  const authorized = (req: Request) => {
    const given = Buffer.from(req.header('authorization') ?? '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
  /** One command's line: its reply, or why it was not decided here. */
  const line = async (i: number, value: unknown): Promise<string> => {
    try {
      return JSON.stringify({ i, status: 200, reply: await service.submitDirect(value) });
    } catch (error) {
      if (error instanceof NotServedHereError) return JSON.stringify({ i, status: 421, detail: error.message });
      if (isDomainError(error)) return JSON.stringify({ i, status: 400, detail: toErrorPayload(error).message });
      if (!isServiceError(error)) logger.event('warn', 'direct command failed', { error: (error as Error).message });
      return JSON.stringify({ i, status: 503, detail: `the partition's commit failed: ${(error as Error).message}` });
    }
  };

  app.use('/internal', (req: Request, res: Response, next: NextFunction) => {
    if (!authorized(req)) return refuse(res, 401, 'Unauthorized', 'the direct command lane needs Authorization: Bearer <COMMAND_DIRECT_TOKEN>');
    if (req.method === 'GET' && req.path === '/partitions') {
      return res.status(200).json({ partitionCount: config.topics.partitions, partitions: service.servedPartitions() });
    }
    if (req.method !== 'POST' || req.path !== '/commands') return next();
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) return refuse(res, 413, 'Payload Too Large', `a request of the direct lane is at most ${MAX_BODY_BYTES} bytes`);
      let commands: unknown;
      try {
        commands = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return refuse(res, 400, 'Bad Request', 'the body must be a JSON array of command envelopes');
      }
      if (!Array.isArray(commands) || commands.length === 0 || commands.length > MAX_COMMANDS) {
        return refuse(res, 400, 'Bad Request', `the body must be a JSON array of 1 to ${MAX_COMMANDS} command envelopes`);
      }
      res.status(200).type('application/x-ndjson');
      // The lines of the commands one transaction decided are ready in the same turn: one write for them.
      let open = commands.length;
      let ready: string[] = [];
      let scheduled = false;
      const flush = () => {
        scheduled = false;
        res.write(ready.join(''));
        ready = [];
        if (open === 0) res.end();
      };
      for (const [i, value] of commands.entries()) {
        void line(i, value).then((text) => {
          ready.push(`${text}\n`);
          open -= 1;
          if (!scheduled) {
            scheduled = true;
            setImmediate(flush);
          }
        });
      }
    });
    req.on('error', () => undefined);
  });
}
