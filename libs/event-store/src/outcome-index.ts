import { createHash } from 'node:crypto';

/** What a retried command gets back: the outcome of its first delivery. */
export interface RememberedOutcome {
  readonly commandId: string;
  readonly fingerprint: string;
  /** Aggregate version after the command. */
  readonly version: number;
  /** Offset of the aggregate's last event in this partition after the command; null when it has none. */
  readonly offset: number | null;
}

export interface OutcomeMatch {
  readonly sameFingerprint: boolean;
  readonly version: number;
  readonly offset: number | null;
}

/**
 * The idempotency memory of one partition: every successful command's outcome, kept for a fixed
 * time window (24 h by default) whatever the traffic on its aggregate — a count-based window (the
 * last N commands per aggregate) forgets a retry on a busy aggregate within seconds, and the retry
 * is then applied twice.
 *
 * Memory is what makes a time window hard: at 1,000 commands/s a 24 h window holds 86 million
 * outcomes. A Map of strings and objects costs ~200 bytes an entry (and a Map stops at 2^24
 * entries); this index keeps fixed-size binary slots instead — a 128-bit digest of the command id,
 * 64 bits of the fingerprint's digest, the version and the offset, 40 bytes — in open-addressed
 * tables, one per time bucket (window / 24). A bucket is dropped whole once its newest entry is
 * older than the window, so expiry never scans and an outcome is kept at least `windowMs` and at
 * most one bucket longer. A key collision (2^-128 per pair of random ids) would make a new command
 * look like a retry; that is far below the chance of a hardware error.
 */
export class OutcomeIndex {
  private readonly buckets: Bucket[] = [];
  readonly bucketMs: number;

  constructor(readonly windowMs: number) {
    this.bucketMs = Math.max(1, Math.ceil(windowMs / 24));
  }

  get size(): number {
    return this.buckets.reduce((n, b) => n + b.table.size, 0);
  }

  /** Bytes held by the slot arrays (the whole cost of the index, give or take a few objects). */
  get bytes(): number {
    return this.buckets.reduce((n, b) => n + b.table.bytes, 0);
  }

  remember(outcome: RememberedOutcome, atMs: number): void {
    this.bucketAt(atMs).table.put(digestOf(outcome.commandId), fingerprintDigest(outcome.fingerprint), outcome.version, outcome.offset);
  }

  lookup(commandId: string, fingerprint: string): OutcomeMatch | undefined {
    const key = digestOf(commandId);
    const fp = fingerprintDigest(fingerprint);
    // Newest first: a retry is most likely recent.
    for (let i = this.buckets.length - 1; i >= 0; i -= 1) {
      const hit = this.buckets[i].table.get(key, fp);
      if (hit) return hit;
    }
    return undefined;
  }

  /** Drops the buckets whose every entry is older than the window; returns their start times. */
  expire(nowMs: number): number[] {
    const dropped: number[] = [];
    while (this.buckets.length > 0 && this.buckets[0].start + this.bucketMs + this.windowMs <= nowMs) {
      dropped.push(this.buckets.shift()!.start);
    }
    return dropped;
  }

  /**
   * Buckets whose time is past (no outcome can land in them any more) and that have no snapshot yet.
   * A restore reads a bucket's snapshot ~100× faster than its many small per-commit records.
   */
  unsealed(nowMs: number): number[] {
    return this.buckets.filter((b) => !b.sealed && b.start + this.bucketMs <= nowMs).map((b) => b.start);
  }

  /** Start of every bucket held. */
  starts(): number[] {
    return this.buckets.map((b) => b.start);
  }

  /** The bucket's outcomes as binary chunks of at most `perChunk` entries; marks it sealed. */
  seal(start: number, perChunk = SNAPSHOT_ENTRIES_PER_CHUNK): Buffer[] {
    const bucket = this.buckets.find((b) => b.start === start);
    if (!bucket) return [];
    bucket.sealed = true;
    return bucket.table.export(perChunk);
  }

  /** Loads a snapshot chunk written by seal() into its bucket. */
  load(start: number, chunk: Buffer): void {
    const bucket = this.bucketAt(start);
    bucket.sealed = true;
    bucket.table.import(chunk);
  }

  /** Start of the bucket an outcome remembered at `atMs` lives in (persisted records are grouped the same way). */
  bucketStart(atMs: number): number {
    return Math.floor(atMs / this.bucketMs) * this.bucketMs;
  }

  private bucketAt(atMs: number): Bucket {
    const start = this.bucketStart(atMs);
    // Buckets are kept sorted by start; outcomes almost always land in the newest one.
    let i = this.buckets.length - 1;
    while (i >= 0 && this.buckets[i].start > start) i -= 1;
    if (i >= 0 && this.buckets[i].start === start) return this.buckets[i];
    const bucket = { start, table: new SlotTable(), sealed: false };
    this.buckets.splice(i + 1, 0, bucket);
    return bucket;
  }
}

interface Bucket {
  readonly start: number;
  readonly table: SlotTable;
  /** Written whole as a snapshot: it takes no more outcomes (its time is past). */
  sealed: boolean;
}

const WORDS = 7; // k0 k1 k2 k3 f0 f1 version
const NO_OFFSET = -1;
/** Bytes of one entry in a snapshot: the seven words and the offset, little-endian. */
const ENTRY_BYTES = WORDS * 4 + 8;
/** 100,000 entries = 3.6 MB per snapshot record, well under the state topic's 16 MiB batches. */
export const SNAPSHOT_ENTRIES_PER_CHUNK = 100_000;

/** Open addressing with linear probing over typed arrays; never deletes (buckets are dropped whole). */
class SlotTable {
  private capacity = 1024;
  private slots = new Uint32Array(this.capacity * WORDS);
  private offsets = new Float64Array(this.capacity);
  size = 0;

  get bytes(): number {
    return this.slots.byteLength + this.offsets.byteLength;
  }

  put(key: Uint32Array, fp: Uint32Array, version: number, offset: number | null): void {
    if ((this.size + 1) * 4 > this.capacity * 3) this.grow();
    const i = this.find(key);
    const base = i * WORDS;
    if (this.slots[base] === 0 && this.slots[base + 1] === 0 && this.slots[base + 2] === 0 && this.slots[base + 3] === 0) this.size += 1;
    this.slots.set(key, base);
    this.slots[base + 4] = fp[0];
    this.slots[base + 5] = fp[1];
    this.slots[base + 6] = version >>> 0;
    this.offsets[i] = offset ?? NO_OFFSET;
  }

  get(key: Uint32Array, fp: Uint32Array): OutcomeMatch | undefined {
    const i = this.find(key);
    const base = i * WORDS;
    if (this.slots[base] === 0 && this.slots[base + 1] === 0 && this.slots[base + 2] === 0 && this.slots[base + 3] === 0) return undefined;
    const offset = this.offsets[i];
    const unknown = this.slots[base + 4] === 0 && this.slots[base + 5] === 0;
    return {
      // An outcome rebuilt from events older than command fingerprints matches any body: answering a
      // retry with its first outcome beats applying it twice.
      sameFingerprint: unknown || (this.slots[base + 4] === fp[0] && this.slots[base + 5] === fp[1]),
      version: this.slots[base + 6],
      offset: offset === NO_OFFSET ? null : offset,
    };
  }

  export(perChunk: number): Buffer[] {
    const all = Buffer.allocUnsafe(this.size * ENTRY_BYTES);
    let at = 0;
    for (let i = 0; i < this.capacity; i += 1) {
      const base = i * WORDS;
      if (this.slots[base] === 0 && this.slots[base + 1] === 0 && this.slots[base + 2] === 0 && this.slots[base + 3] === 0) continue;
      for (let w = 0; w < WORDS; w += 1) all.writeUInt32LE(this.slots[base + w], at + w * 4);
      all.writeDoubleLE(this.offsets[i], at + WORDS * 4);
      at += ENTRY_BYTES;
    }
    const chunks: Buffer[] = [];
    for (let from = 0; from < at; from += perChunk * ENTRY_BYTES) chunks.push(all.subarray(from, Math.min(at, from + perChunk * ENTRY_BYTES)));
    return chunks;
  }

  import(chunk: Buffer): void {
    const key = new Uint32Array(4);
    const fp = new Uint32Array(2);
    for (let at = 0; at + ENTRY_BYTES <= chunk.length; at += ENTRY_BYTES) {
      for (let w = 0; w < 4; w += 1) key[w] = chunk.readUInt32LE(at + w * 4);
      fp[0] = chunk.readUInt32LE(at + 16);
      fp[1] = chunk.readUInt32LE(at + 20);
      const offset = chunk.readDoubleLE(at + WORDS * 4);
      this.put(key, fp, chunk.readUInt32LE(at + 24), offset === NO_OFFSET ? null : offset);
    }
  }

  /** The slot holding `key`, or the empty slot where it would go. */
  private find(key: Uint32Array): number {
    const mask = this.capacity - 1;
    let i = key[0] & mask;
    for (;;) {
      const base = i * WORDS;
      const s = this.slots;
      if (
        (s[base] === 0 && s[base + 1] === 0 && s[base + 2] === 0 && s[base + 3] === 0) ||
        (s[base] === key[0] && s[base + 1] === key[1] && s[base + 2] === key[2] && s[base + 3] === key[3])
      ) {
        return i;
      }
      i = (i + 1) & mask;
    }
  }

  private grow(): void {
    const oldSlots = this.slots;
    const oldOffsets = this.offsets;
    const oldCapacity = this.capacity;
    this.capacity *= 2;
    this.slots = new Uint32Array(this.capacity * WORDS);
    this.offsets = new Float64Array(this.capacity);
    for (let j = 0; j < oldCapacity; j += 1) {
      const base = j * WORDS;
      if (oldSlots[base] === 0 && oldSlots[base + 1] === 0 && oldSlots[base + 2] === 0 && oldSlots[base + 3] === 0) continue;
      const i = this.find(oldSlots.subarray(base, base + 4));
      this.slots.set(oldSlots.subarray(base, base + WORDS), i * WORDS);
      this.offsets[i] = oldOffsets[j];
    }
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const FINGERPRINT = /^[A-Za-z0-9_-]{11,}$/;

/**
 * 128 bits that stand for a command id. Ids the command API makes are UUIDs that are already random
 * or SHA-256-derived (a client never chooses one: its Idempotency-Key is hashed), so their own bits
 * are used — parsing is ~50× cheaper than hashing, and lookups run once per command. Any other id
 * (the saga's `<order>:reserve:<sku>`) is hashed.
 */
function digestOf(commandId: string): Uint32Array {
  let key: Uint32Array;
  if (UUID.test(commandId)) {
    key = new Uint32Array([
      parseInt(commandId.slice(0, 8), 16),
      parseInt(commandId.slice(9, 13) + commandId.slice(14, 18), 16),
      parseInt(commandId.slice(19, 23) + commandId.slice(24, 28), 16),
      parseInt(commandId.slice(28, 36), 16),
    ]);
  } else {
    const d = createHash('sha256').update(commandId, 'utf8').digest();
    key = new Uint32Array([d.readUInt32LE(0), d.readUInt32LE(4), d.readUInt32LE(8), d.readUInt32LE(12)]);
  }
  // All-zero marks an empty slot.
  key[3] |= 1;
  return key;
}

/**
 * 64 bits of a fingerprint: its own leading bits when it is a base64url digest (commandFingerprint),
 * else a hash; '' (unknown) is all zeros, which matches any body.
 */
function fingerprintDigest(fingerprint: string): Uint32Array {
  if (fingerprint === '') return new Uint32Array(2);
  const d = FINGERPRINT.test(fingerprint) ? Buffer.from(fingerprint.slice(0, 11), 'base64url') : createHash('sha256').update(fingerprint, 'utf8').digest();
  const digest = new Uint32Array([d.readUInt32LE(0), d.readUInt32LE(4)]);
  if (digest[0] === 0 && digest[1] === 0) digest[1] = 1;
  return digest;
}
