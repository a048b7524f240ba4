import { Inject, Injectable } from '@nestjs/common';
import type { Admin } from 'kafkajs';
import { performance } from 'node:perf_hooks';
import { withTimeout } from '@es/common';
import { BROKER_ANSWER_WAIT_MS, KAFKA_ADMIN } from '@es/kafka';

export interface PartitionEnd {
  readonly partition: number;
  /** High watermark: the offset the next record will get. */
  readonly end: number;
}

const SHARE_MS = 500;

interface Fetch {
  /** performance.now() when the broker round trip started. */
  readonly startedAt: number;
  /** undefined when the broker could not be asked, or did not answer within BROKER_ANSWER_WAIT_MS. */
  readonly ends: Promise<readonly PartitionEnd[] | undefined>;
  /** The broker has not answered yet. */
  inFlight: boolean;
  /** Still in flight after BROKER_ANSWER_WAIT_MS: `ends` resolved to undefined. */
  hung: boolean;
}

/**
 * End offsets of the event topics, shared by GET /projections (lag) and the X-Min-Position check:
 * each fetch is a broker round trip, so a result is shared for half a second and concurrent callers
 * share one fetch.
 */
@Injectable()
export class EventTopicOffsets {
  private readonly latest = new Map<string, Fetch>();
  private readonly followUps = new Map<string, Promise<readonly PartitionEnd[] | undefined>>();

  constructor(@Inject(KAFKA_ADMIN) private readonly admin: Admin) {}

  /** At most half a second old; partitions in ascending order. */
  cached(topic: string): Promise<readonly PartitionEnd[] | undefined> {
    const hit = this.latest.get(topic);
    // A round trip the broker has not answered is not asked again: callers learn "unknown" at once.
    if (hit && (hit.inFlight || performance.now() - hit.startedAt < SHARE_MS)) return hit.ends;
    return this.start(topic).ends;
  }

  /**
   * Taken by a round trip that started at or after `since` (performance.now()): a position token is
   * issued only after its event was acknowledged, so such a fetch covers every token the client held
   * when it sent the request. Callers that arrive while an older fetch runs share one follow-up, so a
   * flood of tokens beyond the end costs at most two round trips at a time, not one per request.
   */
  fresh(topic: string, since: number): Promise<readonly PartitionEnd[] | undefined> {
    const current = this.latest.get(topic);
    if (current && (current.startedAt >= since || current.hung)) return current.ends;
    const queued = this.followUps.get(topic);
    if (queued) return queued;
    if (!current) return this.start(topic).ends;
    const followUp = current.ends.then(() => {
      this.followUps.delete(topic);
      return this.start(topic).ends;
    });
    this.followUps.set(topic, followUp);
    return followUp;
  }

  private start(topic: string): Fetch {
    const answer = this.admin
      .fetchTopicOffsets(topic)
      .then((list) => list.map((o) => ({ partition: o.partition, end: Number(o.high) })).sort((a, b) => a.partition - b.partition))
      .finally(() => {
        fetch.inFlight = false;
        fetch.hung = false;
      });
    const fetch: Fetch = {
      startedAt: performance.now(),
      inFlight: true,
      hung: false,
      ends: withTimeout(answer, BROKER_ANSWER_WAIT_MS).catch(() => {
        fetch.hung = fetch.inFlight;
        return undefined;
      }),
    };
    this.latest.set(topic, fetch);
    return fetch;
  }
}
