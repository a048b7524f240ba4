import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { from, Observable, switchMap } from 'rxjs';
import { APP_CONFIG, AppConfig, UnavailableError } from '@es/common';
import { ValidationError } from '@es/domain';
import { decodePosition, type Position } from '@es/event-store';
import { topics } from '@es/kafka';
import { ActiveVersionsService } from '../shared/active-versions.service';
import { EventTopicOffsets, type PartitionEnd } from '../shared/event-topic-offsets.service';
import { CheckpointWaiter } from './checkpoint-waiter.service';
import { WAIT_SCOPE, type WaitScope } from './reads-event-index.decorator';

export const MIN_POSITION_HEADER = 'X-Min-Position';

/** How long an offset past the reported end may take to become stable before it is refused. */
const END_OFFSET_GRACE_MS = 500;
const END_OFFSET_RECHECK_MS = 50;

/**
 * Any GET may carry `X-Min-Position` (the `position` a command returned): answer only once the read
 * models have applied it, or 503 + Retry-After after READ_YOUR_WRITES_TIMEOUT_MS. A token we did not
 * issue, or one naming a partition or offset the event topic does not have (it could never be
 * applied), is a client error (400) answered at once.
 */
@Injectable()
export class MinPositionInterceptor implements NestInterceptor {
  constructor(
    private readonly waiter: CheckpointWaiter,
    private readonly versions: ActiveVersionsService,
    private readonly offsets: EventTopicOffsets,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<Request>();
    const token = req.method === 'GET' ? req.header(MIN_POSITION_HEADER) : undefined;
    if (token === undefined) return next.handle();
    const position = decodePosition(token.trim());
    if (!position) throw invalid('is not a position token issued by the command API');
    const receivedAt = performance.now();
    const scope = this.reflector.getAllAndOverride<WaitScope>(WAIT_SCOPE, [context.getHandler(), context.getClass()]) ?? 'read-models';
    // An applied position exists: the common case of a read issued a while after its write costs no
    // broker round trip.
    const applied = this.waiter.appliedNow(position, scope)
      ? Promise.resolve(true)
      : this.requireExisting(position, receivedAt).then(() => this.waiter.waitUntilApplied(position, this.config.readYourWritesTimeoutMs, scope));
    return from(applied).pipe(
      switchMap((applied) => {
        if (!applied) {
          throw new UnavailableError(`the read models have not applied position ${token} within ${this.config.readYourWritesTimeoutMs} ms`, 1);
        }
        this.versions.forgetMissing();
        return next.handle();
      }),
    );
  }

  /**
   * Against the cached end offsets first; a token past them (a write newer than the cache) is
   * checked again against fetches that started after the request arrived. The end offset Kafka
   * reports here is the last stable offset: it passes a committed transaction only once the commit
   * marker is written, a moment after the writer was acknowledged, so a token issued from that commit
   * can arrive first. Hence a short grace before an offset past the end is refused. When the broker
   * cannot be asked, the token is given the benefit of the doubt and simply waited for, as before.
   */
  private async requireExisting(position: Position, receivedAt: number): Promise<void> {
    const topic = topics.events(this.config.namespace, position.context);
    const partitionOf = (ends: readonly PartitionEnd[]) => ends.find((p) => p.partition === position.partition);
    const covers = (ends: readonly PartitionEnd[]) => {
      const partition = partitionOf(ends);
      return partition !== undefined && BigInt(position.offset) < BigInt(partition.end);
    };
    let ends = await this.offsets.cached(topic);
    if (ends !== undefined && !covers(ends)) ends = await this.offsets.fresh(topic, receivedAt);
    while (ends !== undefined && partitionOf(ends) !== undefined && !covers(ends) && performance.now() - receivedAt < END_OFFSET_GRACE_MS) {
      await delay(END_OFFSET_RECHECK_MS);
      ends = await this.offsets.fresh(topic, performance.now());
    }
    if (ends === undefined || ends.length === 0 || covers(ends)) return;
    const partition = partitionOf(ends);
    if (partition === undefined) {
      throw invalid(`names partition ${position.partition}, but the ${position.context} events have partitions 0–${ends.length - 1}`);
    }
    throw invalid(`names offset ${position.offset} of ${position.context} partition ${position.partition}, which ends at ${partition.end}`);
  }
}

function invalid(message: string): ValidationError {
  return new ValidationError([{ field: MIN_POSITION_HEADER, message }]);
}
