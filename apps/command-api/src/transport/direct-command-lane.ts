import http from 'node:http';
import https from 'node:https';
import type { JsonLogger, Metrics } from '@es/common';
import type { CommandEnvelope, CommandReply } from '@es/event-store';
import { partitionForKey } from '@es/kafka';

export interface DirectCommandLaneOptions {
  /** Base URLs of the command processors (COMMAND_PROCESSOR_URLS). */
  readonly processorUrls: readonly string[];
  readonly token: string;
  /** Partitions of every command topic (TOPIC_PARTITIONS): a command's partition is computed as the producers would. */
  readonly partitions: number;
  /** How long a command may take (COMMAND_TIMEOUT_MS): then 504, as on the topic path. */
  readonly timeoutMs: number;
  /** How often the partitions each processor serves are asked for, at most (a refusal asks again at once). */
  readonly refreshMs?: number;
  readonly logger?: JsonLogger;
  readonly metrics?: Metrics;
}

type Route = 'direct' | 'fallback' | 'topic';

/** Requests in flight to one processor at most; what arrives meanwhile waits and goes in the next one (group send). */
const MAX_IN_FLIGHT = 8;
/** Commands in one request at most. */
const MAX_BATCH = 256;

interface Waiter {
  readonly envelope: CommandEnvelope;
  /** The reply, or 'refused' (not decided there: send it through the topic). */
  readonly settle: (outcome: CommandReply | 'refused') => void;
}

/**
 * The command API's end of the direct lane (docs/architecture.md). A command goes over HTTP to the
 * processor instance that serves its partition, which decides it in its next transaction and
 * answers with the reply: no command record, no reply record, no fetch on either side. Where no
 * processor is known to serve the partition, or the processor refuses (421: it does not serve it any
 * more, 503: its commit failed) or cannot be reached, the lane answers undefined and the transport
 * sends the same envelope through the command topic — safe because a command is decided once per
 * command id (the outcome index), whichever way each attempt came.
 *
 * Commands to one processor travel in batches: one request per command while few are in flight (no
 * added wait), and under load what arrives while MAX_IN_FLIGHT requests are out goes in the next one.
 * The processor streams one line per command as its transaction commits.
 */
export class DirectCommandLane {
  /** `<context>:<partition>` → the processor base URL serving it. */
  private routes = new Map<string, string>();
  private readonly agent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private timer?: NodeJS.Timeout;
  private lastRefresh = 0;
  private refreshing?: Promise<void>;
  private readonly routed;
  private readonly queues = new Map<string, { waiting: Waiter[]; inFlight: number }>();

  constructor(private readonly options: DirectCommandLaneOptions) {
    // One keep-alive connection per concurrent command at most; idle ones close after 4 s (the
    // processors' keep-alive timeout is 5 s by default: we close first, so no request meets a closing socket).
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 512, timeout: 4000 });
    this.httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 512, timeout: 4000 });
    this.routed = options.metrics?.counter('es_command_routes_total', 'Commands by the way they took: direct lane, topic after a direct refusal, topic', [
      'route',
    ]);
  }

  async start(): Promise<void> {
    await this.refresh();
    const every = this.options.refreshMs ?? 5000;
    this.timer = setInterval(() => void this.refresh(), every);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.agent.destroy();
    this.httpsAgent.destroy();
  }

  /** The processor's reply, or undefined: send it through the command topic. */
  async send(envelope: CommandEnvelope): Promise<CommandReply | undefined> {
    const key = `${envelope.context}:${partitionForKey(envelope.aggregateId, this.options.partitions)}`;
    const url = this.routes.get(key);
    if (!url) {
      this.count('topic');
      this.refreshSoon();
      return undefined;
    }
    const outcome = await new Promise<CommandReply | 'refused'>((settle) => {
      let queue = this.queues.get(url);
      if (!queue) this.queues.set(url, (queue = { waiting: [], inFlight: 0 }));
      queue.waiting.push({ envelope, settle });
      this.pump(url, queue);
    });
    if (outcome !== 'refused') {
      this.count('direct');
      return outcome;
    }
    // Refused or unreachable: forget the route until the processors say again who serves what.
    if (this.routes.get(key) === url) this.routes.delete(key);
    this.count('fallback');
    this.refreshSoon();
    return undefined;
  }

  private pump(url: string, queue: { waiting: Waiter[]; inFlight: number }): void {
    while (queue.inFlight < MAX_IN_FLIGHT && queue.waiting.length > 0) {
      const batch = queue.waiting.splice(0, MAX_BATCH);
      queue.inFlight += 1;
      void this.exchange(url, batch).finally(() => {
        queue.inFlight -= 1;
        this.pump(url, queue);
      });
    }
  }

  /**
   * One request: the batch's envelopes out, one NDJSON line per command back, each settling its
   * waiter as it arrives. Never rejects: a command without a line is refused (connection lost or a
   * refusal of the whole request) or, past the timeout, answered TIMEOUT (it may still apply).
   */
  private exchange(url: string, batch: Waiter[]): Promise<void> {
    return new Promise((done) => {
      const target = new URL(`${url}/internal/commands`);
      const client = target.protocol === 'https:' ? https : http;
      const payload = Buffer.from(JSON.stringify(batch.map((w) => w.envelope)));
      const settled = new Array<boolean>(batch.length).fill(false);
      let finished = false;
      const settle = (i: number, outcome: CommandReply | 'refused') => {
        if (settled[i] || !batch[i]) return;
        settled[i] = true;
        batch[i].settle(outcome);
      };
      const finish = (rest: (w: Waiter) => CommandReply | 'refused', why?: string) => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        const left = settled.filter((s) => !s).length;
        if (left > 0 && why) this.options.logger?.event('debug', 'direct lane: commands go through the command topic', { reason: why, commands: left });
        batch.forEach((w, i) => settle(i, rest(w)));
        done();
      };
      const req = client.request(
        {
          agent: target.protocol === 'https:' ? this.httpsAgent : this.agent,
          method: 'POST',
          hostname: target.hostname,
          port: target.port,
          path: target.pathname,
          headers: { authorization: `Bearer ${this.options.token}`, 'content-type': 'application/json', 'content-length': payload.length },
        },
        (res) => {
          if (res.statusCode !== 200) {
            res.resume();
            return finish(() => 'refused', `the processor answered ${res.statusCode}`);
          }
          let buffered = '';
          res.setEncoding('utf8');
          res.on('data', (text: string) => {
            buffered += text;
            let nl: number;
            while ((nl = buffered.indexOf('\n')) >= 0) {
              const lineText = buffered.slice(0, nl);
              buffered = buffered.slice(nl + 1);
              try {
                const answer = JSON.parse(lineText) as { i: number; status: number; reply?: CommandReply; detail?: string };
                settle(answer.i, answer.status === 200 && answer.reply ? answer.reply : 'refused');
              } catch {
                // Not a line of ours: its command is refused below, at the end of the response.
              }
            }
          });
          res.on('end', () => finish(() => 'refused', 'a command had no line in the answer'));
          res.on('error', () => finish(() => 'refused', 'the answer broke off'));
        },
      );
      // Not req.setTimeout (an idle-socket timer): every command gets its answer within timeoutMs.
      const timer = setTimeout(() => {
        finish((w) => this.timedOut(w.envelope));
        req.destroy();
      }, this.options.timeoutMs);
      req.on('error', (error) => finish(() => 'refused', error.message));
      req.end(payload);
    });
  }

  private timedOut(envelope: CommandEnvelope): CommandReply {
    return {
      commandId: envelope.commandId,
      ...(envelope.requestId ? { requestId: envelope.requestId } : {}),
      ok: false,
      error: {
        code: 'TIMEOUT',
        message: `no outcome within ${this.options.timeoutMs} ms; the command may still apply — retrying with the same Idempotency-Key is safe`,
        details: {},
      },
    };
  }

  private count(route: Route): void {
    this.routed?.inc({ route });
  }

  private refreshSoon(): void {
    if (Date.now() - this.lastRefresh >= 1000) void this.refresh();
  }

  /** Asks every processor which partitions it serves; a processor that does not answer serves none. */
  private refresh(): Promise<void> {
    if (this.refreshing) return this.refreshing;
    this.lastRefresh = Date.now();
    this.refreshing = (async () => {
      const next = new Map<string, string>();
      await Promise.all(
        this.options.processorUrls.map(async (url) => {
          const answer = await this.get(`${url}/internal/partitions`);
          if (answer.status !== 200) return;
          try {
            const served = JSON.parse(answer.body) as { partitionCount: number; partitions: Record<string, number[]> };
            // A processor that counts partitions differently would compute other partitions: never route to it.
            if (served.partitionCount !== this.options.partitions) return;
            for (const [context, partitions] of Object.entries(served.partitions)) for (const p of partitions) next.set(`${context}:${p}`, url);
          } catch {
            // Not an answer from a processor: no routes from it.
          }
        }),
      );
      this.routes = next;
    })().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  /** GET with the token; status 0: not reachable or no answer within 2 s. Never throws. */
  private get(url: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve) => {
      const target = new URL(url);
      const client = target.protocol === 'https:' ? https : http;
      const req = client.request(
        {
          agent: target.protocol === 'https:' ? this.httpsAgent : this.agent,
          hostname: target.hostname,
          port: target.port,
          path: target.pathname,
          headers: { authorization: `Bearer ${this.options.token}` },
          timeout: 2000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', () => resolve({ status: 0, body: 'response aborted' }));
        },
      );
      req.on('timeout', () => req.destroy(new Error('no answer within 2 s')));
      req.on('error', (error) => resolve({ status: 0, body: error.message }));
      req.end();
    });
  }
}
