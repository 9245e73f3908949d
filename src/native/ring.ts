/**
 * The JS side of the SPSC frame rings (native/src/core/ring.h holds the layout contract; the region is
 * native memory exposed as an external ArrayBuffer by native/src/binding/ring_binding.cc, never copied).
 *
 *   RingReader  consumer: poll(handler, limit) -> frames handled; the handler gets one reused FrameView
 *   RingWriter  producer: tryClaim(...) -> payload offset | BACK_PRESSURED | TOO_LARGE, then publish()
 *   RingPoller  duty cycle on the event loop: poll in batches, yield with setImmediate, spin a while
 *               when idle, then park and wait for the native producer's doorbell
 *
 * Hot paths (poll, tryClaim, publish) allocate nothing: typed-array reads and writes only, positions
 * read and released with Atomics on an Int32Array (32-bit wrapping positions, so no BigInt).
 *
 * Threads: every object here belongs to the JS thread that created it. The other side of a ring is a
 * native agent thread; it and this side meet only through the region (ring.h protocol).
 */
import { GatewayError } from '../codec/errors.js';
import { FrameType } from '../generated/gateway-internal/FrameType.js';
import { type GatewayAddon, NativeErrorCode, loadAddon } from './addon.js';

// ---------------------------------------------------------------- layout (ring.h)
export const RING_META_BYTES = 384;
export const RING_MAGIC = 0x31525747;
export const FRAME_HEADER_BYTES = 32;
export const RING_MIN_CAPACITY = 4096;
export const RING_MAX_CAPACITY = 2 ** 30;
/** Int32Array indexes of the shared words. */
const TAIL = 0; // byte 0
const HEAD = 32; // byte 128
const PARKED = 64; // byte 256
const CAPACITY_OFFSET = 260;
const MAGIC_OFFSET = 264;
const MAX_FRAME_OFFSET = 268;

/** Return codes (hot path: codes, not exceptions), equal to GW_RING_* of ring.h. */
export const RING_OK = 0;
export const BACK_PRESSURED = -1;
export const TOO_LARGE = -2;
export const CORRUPT = -4;

const TWO_32 = 4294967296;

/** Codes of GatewayErrors thrown at the edges (construction, misuse), never on the hot path. */
export const RingErrorCode = {
  /** The buffer is not a formatted ring region (magic, capacity or maxFrame wrong). */
  RING_INVALID: 'RING_INVALID',
  /** The consumer found a frame that breaks the layout; the ring is dead (RingPoller reports it). */
  RING_CORRUPT: 'RING_CORRUPT',
  /** A RingPoller's handler threw (the poller stopped; the error is the cause). */
  RING_HANDLER_THREW: 'RING_HANDLER_THREW',
} as const;

// ---------------------------------------------------------------- native part
/** A ring created by the addon. `buffer` is the whole region (meta + data), shared with native code. */
export interface NativeRing {
  readonly buffer: ArrayBuffer;
  readonly capacity: number;
  readonly maxFrame: number;
  /**
   * Arms (fn) or disarms (null) the doorbell: a native producer that finds the consumer parked calls
   * fn on this thread. While armed, the event loop stays alive.
   */
  setDoorbell(fn: (() => void) | null): void;
}

export interface TestProducerOptions {
  count: number;
  payloadBytes: number;
  /** Frame s carries (uint32(s) * 2654435761) % (payloadBytes + 1) payload bytes instead of payloadBytes. */
  variable?: boolean;
  /** Frames per publish (default 64). */
  batch?: number;
  /** Idle strategy of the producer's agent while back-pressured (default 'spin'). */
  idle?: 'spin' | 'yield' | 'backoff';
}
export interface TestProducerStatus {
  produced: number;
  done: boolean;
  backPressured: number;
}
export interface TestConsumerStatus {
  frames: number;
  bytes: number;
  badSequence: number;
  badContent: number;
  corrupt: boolean;
}

/**
 * The ring part of the addon. The startTest and stopTest functions are TEST TOOLS (tests and
 * benchmarks): a native producer / consumer on its own agent thread using the pattern of
 * testPayloadByte() below.
 */
export interface RingAddon {
  createRing(capacity: number, maxFrame: number): NativeRing;
  startTestProducer(ring: NativeRing, options: TestProducerOptions): number;
  testProducerStatus(handle: number): TestProducerStatus;
  /** Stops (joins) the producer's thread. */
  stopTestProducer(handle: number): TestProducerStatus;
  startTestConsumer(ring: NativeRing): number;
  /** Rings whose native region is still allocated (lifetime tests). */
  liveRingCount(): number;
  testConsumerStatus(handle: number): TestConsumerStatus;
  stopTestConsumer(handle: number): TestConsumerStatus;
}

const RING_FUNCTIONS = [
  'createRing',
  'startTestProducer',
  'testProducerStatus',
  'stopTestProducer',
  'startTestConsumer',
  'testConsumerStatus',
  'stopTestConsumer',
  'liveRingCount',
] as const;

/** The addon's ring functions; throws GatewayError NATIVE_LOAD_FAILED when the addon has none. */
export function ringAddon(addon: GatewayAddon = loadAddon()): RingAddon {
  const a = addon as unknown as Record<string, unknown>;
  for (const fn of RING_FUNCTIONS) {
    if (typeof a[fn] !== 'function')
      throw new GatewayError(NativeErrorCode.NATIVE_LOAD_FAILED, `native addon does not export ${fn}() (rebuild it)`, { fn });
  }
  return addon as unknown as RingAddon;
}

/** Byte i of the payload of the test tools' frame with sequence `sequence`. */
export function testPayloadByte(sequence: number, i: number): number {
  return (sequence * 7 + i) & 0xff;
}
/** Epoch (ns) the test producer adds the sequence to for receiveTimestampNs: 1764000000000000000. */
export const TEST_EPOCH_NS = 1764000000000000000n;

// ---------------------------------------------------------------- region
/** Validated view of a ring region (shared by reader and writer). */
class Region {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly u32: Uint32Array;
  readonly i32: Int32Array;
  readonly capacity: number;
  readonly mask: number;
  readonly maxFrame: number;

  constructor(buffer: ArrayBuffer | SharedArrayBuffer) {
    if (buffer.byteLength < RING_META_BYTES + RING_MIN_CAPACITY)
      throw new GatewayError(RingErrorCode.RING_INVALID, 'ring region too small', { byteLength: buffer.byteLength });
    this.view = new DataView(buffer);
    const capacity = this.view.getUint32(CAPACITY_OFFSET, true);
    const maxFrame = this.view.getUint32(MAX_FRAME_OFFSET, true);
    const magic = this.view.getUint32(MAGIC_OFFSET, true);
    if (
      magic !== RING_MAGIC ||
      capacity < RING_MIN_CAPACITY ||
      capacity > RING_MAX_CAPACITY ||
      (capacity & (capacity - 1)) !== 0 ||
      buffer.byteLength < RING_META_BYTES + capacity ||
      maxFrame < FRAME_HEADER_BYTES ||
      maxFrame > capacity / 2
    )
      throw new GatewayError(RingErrorCode.RING_INVALID, 'not a formatted ring region', { magic, capacity, maxFrame });
    this.bytes = new Uint8Array(buffer, 0, RING_META_BYTES + capacity);
    this.u32 = new Uint32Array(buffer, 0, (RING_META_BYTES + capacity) >>> 2);
    this.i32 = new Int32Array(buffer, 0, RING_META_BYTES >>> 2);
    this.capacity = capacity;
    this.mask = capacity - 1;
    this.maxFrame = maxFrame;
  }
}

function regionOf(ring: NativeRing | ArrayBuffer | SharedArrayBuffer): Region {
  return new Region(ring instanceof ArrayBuffer || ring instanceof SharedArrayBuffer ? ring : ring.buffer);
}

/**
 * Formats a JS-owned region (SharedArrayBuffer, e.g. for a JS worker on the other side, or an
 * ArrayBuffer for single-thread tests): the same layout gw_ring_format writes.
 */
export function formatRegion(capacity: number, maxFrame: number, shared = false): ArrayBuffer | SharedArrayBuffer {
  if (
    !Number.isInteger(capacity) ||
    capacity < RING_MIN_CAPACITY ||
    capacity > RING_MAX_CAPACITY ||
    (capacity & (capacity - 1)) !== 0 ||
    !Number.isInteger(maxFrame) ||
    maxFrame < FRAME_HEADER_BYTES ||
    maxFrame > capacity / 2
  )
    throw new GatewayError(RingErrorCode.RING_INVALID, 'capacity must be a power of two in [4096, 2^30], maxFrame in [32, capacity / 2]', {
      capacity,
      maxFrame,
    });
  const buffer = shared ? new SharedArrayBuffer(RING_META_BYTES + capacity) : new ArrayBuffer(RING_META_BYTES + capacity);
  const view = new DataView(buffer);
  view.setUint32(CAPACITY_OFFSET, capacity, true);
  view.setUint32(MAX_FRAME_OFFSET, maxFrame, true);
  view.setUint32(MAGIC_OFFSET, RING_MAGIC, true);
  return buffer;
}

// ---------------------------------------------------------------- reader
/**
 * Flyweight over one frame of a ring, reused for every frame (valid only inside the handler call).
 * Header fields are getters over the region; the payload is bytes[payloadOffset, payloadOffset +
 * payloadLength) of `bytes` / `view` (offsets from the start of the region).
 *
 * Receive timestamp (uint64 ns since the epoch) without BigInt: `timestampHi`/`timestampLo` are its
 * two 32-bit halves (exact); `receiveTimestampUs` is floor(ns / 1000) as a number (exact while below
 * 2^53 us, i.e. until year 2255) and `receiveTimestampSubUs` the remaining 0..999 ns.
 *
 * Allocation: getters return numbers. Values in the int32 range (frame type, lengths, small ids,
 * timestampHi) never allocate; larger ones (timestampLo >= 2^31, receiveTimestampUs, sequence or ids
 * >= 2^31) are unboxed only when the getter is inlined into the handler, which optimised code does
 * for these one-line getters (proved by test/native/ring-alloc.test.ts); a handler V8 has not
 * optimised yet (cold) or runs instrumented (coverage) boxes them, as does storing them in objects.
 */
export class FrameView {
  /** Byte offset of the frame header in `bytes`. */
  offset = 0;
  readonly bytes: Uint8Array;
  readonly view: DataView;
  private readonly u32: Uint32Array;

  /** @internal */
  constructor(region: Region) {
    this.bytes = region.bytes;
    this.view = region.view;
    this.u32 = region.u32;
  }

  /** Header + payload bytes, before padding. */
  get frameLength(): number {
    return this.u32[this.offset >>> 2];
  }
  /** FrameType code (src/generated/gateway-internal/FrameType.ts). */
  get frameType(): number {
    return this.u32[(this.offset >>> 2) + 1] & 0xffff;
  }
  /** FrameFlags bits. */
  get flags(): number {
    return this.u32[(this.offset >>> 2) + 1] >>> 16;
  }
  get connectionId(): number {
    return this.u32[(this.offset >>> 2) + 2];
  }
  /** 4294967295 = null (before logon, UDP). */
  get sessionId(): number {
    return this.u32[(this.offset >>> 2) + 3];
  }
  get timestampLo(): number {
    return this.u32[(this.offset >>> 2) + 4];
  }
  get timestampHi(): number {
    return this.u32[(this.offset >>> 2) + 5];
  }
  get receiveTimestampUs(): number {
    const hi = this.u32[(this.offset >>> 2) + 5];
    const lo = this.u32[(this.offset >>> 2) + 4];
    // ns = hi * 2^32 + lo; with hi = 1000a + b: ns / 1000 = a * 2^32 + (b * 2^32 + lo) / 1000, every
    // intermediate below 2^53.
    const b = hi % 1000;
    return (hi - b) / 1000 * TWO_32 + Math.floor((b * TWO_32 + lo) / 1000);
  }
  get receiveTimestampSubUs(): number {
    const hi = this.u32[(this.offset >>> 2) + 5];
    const lo = this.u32[(this.offset >>> 2) + 4];
    return ((hi % 1000) * TWO_32 + lo) % 1000;
  }
  /** Frame sequence in this ring (from 1, no gaps); exact up to 2^53. */
  get sequence(): number {
    return this.u32[(this.offset >>> 2) + 7] * TWO_32 + this.u32[(this.offset >>> 2) + 6];
  }
  get payloadOffset(): number {
    return this.offset + FRAME_HEADER_BYTES;
  }
  get payloadLength(): number {
    return this.u32[this.offset >>> 2] - FRAME_HEADER_BYTES;
  }
}

export type FrameHandler = (frame: FrameView) => void;

/**
 * Consumer side of a ring. Owned by one JS thread (the only consumer of the ring).
 * poll() validates every frame (length within [32, maxFrame], 8-aligned, not crossing the end of the
 * data area or the tail; Padding exactly to the end); on a bad frame it stops: `error` becomes CORRUPT
 * and every later poll returns 0 without reading (the frames before it were handled and released).
 */
export class RingReader {
  readonly frame: FrameView;
  readonly capacity: number;
  readonly maxFrame: number;
  /** RING_OK, or CORRUPT once a frame broke the layout. */
  error = RING_OK;
  private readonly region: Region;
  private readonly i32: Int32Array;
  private readonly u32: Uint32Array;
  private readonly mask: number;

  constructor(ring: NativeRing | ArrayBuffer | SharedArrayBuffer) {
    this.region = regionOf(ring);
    this.frame = new FrameView(this.region);
    this.i32 = this.region.i32;
    this.u32 = this.region.u32;
    this.capacity = this.region.capacity;
    this.mask = this.region.mask;
    this.maxFrame = this.region.maxFrame;
  }

  /** The region's bytes (the same array as frame.bytes). */
  get bytes(): Uint8Array {
    return this.region.bytes;
  }

  /**
   * Handles up to `limit` frames (Padding skipped, not counted), then releases them with one store.
   * When the handler throws, the frames up to and including the one it threw on are released and the
   * exception propagates.
   */
  poll(handler: FrameHandler, limit: number): number {
    if (this.error !== RING_OK) return 0;
    const i32 = this.i32;
    const head = Atomics.load(i32, HEAD) >>> 0;
    const tail = Atomics.load(i32, TAIL) >>> 0;
    let available = (tail - head) >>> 0;
    if (available === 0) return 0;
    const capacity = this.capacity;
    if (available > capacity || (available & 7) !== 0 || (head & 7) !== 0) {
      this.error = CORRUPT;
      return 0;
    }
    const u32 = this.u32;
    const mask = this.mask;
    const maxFrame = this.maxFrame;
    const frame = this.frame;
    let position = head;
    let count = 0;
    try {
      while (count < limit && available !== 0) {
        const offset = position & mask;
        const toEnd = capacity - offset;
        const index = (RING_META_BYTES + offset) >>> 2;
        const length = u32[index];
        if ((u32[index + 1] & 0xffff) === FrameType.Padding) {
          if (length !== toEnd || length > available) {
            this.error = CORRUPT;
            break;
          }
          position = (position + length) >>> 0;
          available -= length;
          continue;
        }
        const aligned = (length + 7) & ~7;
        if (length < FRAME_HEADER_BYTES || length > maxFrame || aligned > toEnd || aligned > available) {
          this.error = CORRUPT;
          break;
        }
        frame.offset = RING_META_BYTES + offset;
        // Consumed before the handler runs: a handler that throws does not get the frame again.
        position = (position + aligned) >>> 0;
        available -= aligned;
        count++;
        handler(frame);
      }
    } finally {
      Atomics.store(i32, HEAD, position | 0);
    }
    return count;
  }

  /** Bytes published and not yet consumed (snapshot). */
  occupancy(): number {
    return (Atomics.load(this.i32, TAIL) - Atomics.load(this.i32, HEAD)) >>> 0;
  }

  /**
   * Announces an intention to park (ring.h protocol): stores parked = 1 (a sequentially consistent
   * store, i.e. a full fence), re-reads the tail. true: parked, wait for the doorbell; false: frames
   * arrived meanwhile, the flag is cleared again, poll instead.
   */
  prepareToPark(): boolean {
    const i32 = this.i32;
    Atomics.store(i32, PARKED, 1);
    if (Atomics.load(i32, TAIL) !== Atomics.load(i32, HEAD)) {
      Atomics.store(i32, PARKED, 0);
      return false;
    }
    return true;
  }

  /** Whether published frames are waiting (one atomic load of each index; no allocation). */
  hasFrames(): boolean {
    const i32 = this.i32;
    return Atomics.load(i32, TAIL) !== Atomics.load(i32, HEAD);
  }

  /** Clears the parked flag (used when a poller stops). */
  unpark(): void {
    Atomics.store(this.i32, PARKED, 0);
  }
}

// ---------------------------------------------------------------- writer
/**
 * Producer side of a ring (JS -> native outbound rings). Owned by one JS thread (the only producer).
 * tryClaim writes the frame header and returns the payload's byte offset in `bytes`; the caller fills
 * payloadLength bytes there (or fewer and shrinkLast) and publish() makes every claimed frame visible
 * with one store. Sequences start at 1 per writer and never skip.
 *
 * The receive timestamp written into each header is `timestampHi`/`timestampLo` (0 unless set).
 * A native consumer that parks with the parked flag (gw_ring_prepare_park) is woken through `doorbell`,
 * called on this thread by publish() only when it finds the flag set: e.g. a binding function calling
 * gw_agent_wake on the consumer's agent.
 */
export class RingWriter {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly capacity: number;
  readonly maxFrame: number;
  timestampHi = 0;
  timestampLo = 0;
  /** Sequence the next claimed frame gets (exact up to 2^53). */
  nextSequence = 1;
  private readonly i32: Int32Array;
  private readonly u32: Uint32Array;
  private readonly mask: number;
  private position: number;
  private cachedLimit: number;
  private lastClaim: number;
  private readonly doorbell: (() => void) | undefined;

  constructor(ring: NativeRing | ArrayBuffer | SharedArrayBuffer, doorbell?: () => void) {
    const region = regionOf(ring);
    this.bytes = region.bytes;
    this.view = region.view;
    this.i32 = region.i32;
    this.u32 = region.u32;
    this.capacity = region.capacity;
    this.mask = region.mask;
    this.maxFrame = region.maxFrame;
    this.position = Atomics.load(this.i32, TAIL) >>> 0;
    this.lastClaim = this.position;
    this.cachedLimit = ((Atomics.load(this.i32, HEAD) >>> 0) + this.capacity) >>> 0;
    this.doorbell = doorbell;
  }

  /**
   * Claims a frame of 32 + payloadLength bytes and writes its header. Returns the payload's offset in
   * `bytes` (8-aligned), or BACK_PRESSURED (retry after the consumer advances) or TOO_LARGE (never
   * fits: above maxFrame). The frame is invisible until publish().
   */
  tryClaim(frameType: number, payloadLength: number, connectionId: number, sessionId: number): number {
    if (payloadLength > this.maxFrame - FRAME_HEADER_BYTES || payloadLength < 0) return TOO_LARGE;
    const frameLength = FRAME_HEADER_BYTES + payloadLength;
    const aligned = (frameLength + 7) & ~7;
    let position = this.position;
    const offset = position & this.mask;
    const toEnd = this.capacity - offset;
    const required = aligned <= toEnd ? aligned : toEnd + aligned;
    if (required > ((this.cachedLimit - position) >>> 0)) {
      this.cachedLimit = ((Atomics.load(this.i32, HEAD) >>> 0) + this.capacity) >>> 0;
      if (required > ((this.cachedLimit - position) >>> 0)) return BACK_PRESSURED;
    }
    const u32 = this.u32;
    let index = (RING_META_BYTES + offset) >>> 2;
    if (aligned > toEnd) {
      // Padding to the end; a full zeroed header when it fits, else just length and type.
      u32[index] = toEnd;
      u32[index + 1] = FrameType.Padding;
      if (toEnd >= FRAME_HEADER_BYTES) u32.fill(0, index + 2, index + 8);
      position = (position + toEnd) >>> 0;
      index = RING_META_BYTES >>> 2;
    }
    const sequence = this.nextSequence++;
    u32[index] = frameLength;
    u32[index + 1] = frameType & 0xffff; // flags 0
    u32[index + 2] = connectionId;
    u32[index + 3] = sessionId;
    u32[index + 4] = this.timestampLo;
    u32[index + 5] = this.timestampHi;
    u32[index + 6] = sequence >>> 0;
    u32[index + 7] = (sequence / TWO_32) >>> 0;
    this.lastClaim = position;
    this.position = (position + aligned) >>> 0;
    return (index << 2) + FRAME_HEADER_BYTES;
  }

  /** Byte offset in `bytes` of the most recently claimed frame's header. */
  lastFrameOffset(): number {
    return RING_META_BYTES + (this.lastClaim & this.mask);
  }

  /** Shrinks the last claimed, unpublished frame's payload to payloadLength (never grows it). */
  shrinkLast(payloadLength: number): void {
    const index = this.lastFrameOffset() >>> 2;
    const frameLength = FRAME_HEADER_BYTES + payloadLength;
    if (payloadLength < 0 || frameLength >= this.u32[index]) return;
    this.u32[index] = frameLength;
    this.position = (this.lastClaim + ((frameLength + 7) & ~7)) >>> 0;
  }

  /**
   * Makes every claimed frame visible (one store of the tail) and, when the consumer is parked, clears
   * the flag and calls the doorbell. Returns the bytes published since the previous call.
   */
  publish(): number {
    const i32 = this.i32;
    const bytes = (this.position - (Atomics.load(i32, TAIL) >>> 0)) >>> 0;
    if (bytes === 0) return 0;
    Atomics.store(i32, TAIL, this.position | 0); // sequentially consistent: the fence of ring.h
    if (Atomics.load(i32, PARKED) !== 0 && Atomics.compareExchange(i32, PARKED, 1, 0) === 1) this.doorbell?.();
    return bytes;
  }

  /** Bytes published and not yet consumed (snapshot). */
  occupancy(): number {
    return (Atomics.load(this.i32, TAIL) - Atomics.load(this.i32, HEAD)) >>> 0;
  }
}

// ---------------------------------------------------------------- poller
export interface RingPollerOptions {
  /** Frames per poll() call (default 256). */
  batchLimit?: number;
  /** Polls per event-loop turn before yielding with setImmediate (default 16); a short poll ends the turn. */
  batchesPerTurn?: number;
  /** Empty turns to spin (each yields to the event loop) before parking (default 64). */
  spinPolls?: number;
  /** Also keep spinning until this many microseconds passed since the ring went idle (default 0). */
  spinMicros?: number;
  /**
   * After a turn that handled frames, wait for the next ones in a tight loop on this thread (two
   * atomic loads per round, no event-loop iteration, no system call) for up to this many
   * microseconds before spinning turns or parking (default 0). A frame that comes meanwhile is
   * handled on the next turn (setImmediate: the event loop still runs between messages) without
   * the doorbell's wake-up; at most this long per message the loop is blocked; idle, it parks.
   * Pays only with a core to spare for it: on the 2-core VM (perf/cases/tcp-rtt.ts, 50 us, agent
   * spinning) round trips reached 24 us but whole runs turned to 100-400 us.
   */
  spinWaitMicros?: number;
  /**
   * Called once when the poller stops on its own: RING_CORRUPT (the ring broke its layout) or
   * RING_HANDLER_THREW (the handler threw; without onError the exception is rethrown instead).
   */
  onError?: (error: GatewayError) => void;
}

/**
 * Drains one ring on the JS event loop: each turn polls up to batchesPerTurn x batchLimit frames,
 * then yields (setImmediate) so I/O and timers run between batches. When idle it keeps spinning for
 * spinPolls empty turns (and spinMicros), then parks: prepareToPark() and wait for the doorbell
 * (with neither, a turn that drained the ring parks at once),
 * which the native producer rings only when it finds the flag set; while frames flow the producer pays
 * one load per publish and no wake-ups happen.
 *
 * Owned by the JS thread that created it. stop() is synchronous and final for this poller.
 */
export class RingPoller {
  /** Frames handled so far. */
  frames = 0;
  /** Times the poller parked, and doorbell calls received. */
  parks = 0;
  wakeups = 0;
  private readonly reader: RingReader;
  private readonly batchLimit: number;
  private readonly batchesPerTurn: number;
  private readonly spinPolls: number;
  private readonly spinMicros: number;
  private readonly spinWaitMs: number;
  private readonly onError: ((error: GatewayError) => void) | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private running = false;
  private parked = false;
  private idleTurns = 0;
  private idleSince = 0;

  constructor(
    private readonly ring: NativeRing,
    private readonly handler: FrameHandler,
    options: RingPollerOptions = {},
  ) {
    this.reader = new RingReader(ring);
    this.batchLimit = options.batchLimit ?? 256;
    this.batchesPerTurn = options.batchesPerTurn ?? 16;
    this.spinPolls = options.spinPolls ?? 64;
    this.spinMicros = options.spinMicros ?? 0;
    this.spinWaitMs = (options.spinWaitMicros ?? 0) / 1000;
    this.onError = options.onError;
  }

  get isParked(): boolean {
    return this.parked;
  }
  get isRunning(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.ring.setDoorbell(this.wake);
    this.schedule();
  }

  /** Stops polling and disarms the doorbell; frames still in the ring stay there. */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.parked = false;
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    this.immediate = undefined;
    this.reader.unpark();
    this.ring.setDoorbell(null);
  }

  private schedule(): void {
    this.immediate = setImmediate(this.turn);
  }

  private readonly turn = (): void => {
    this.immediate = undefined;
    if (!this.running) return;
    const reader = this.reader;
    let work = 0;
    try {
      for (let b = 0; b < this.batchesPerTurn; b++) {
        const n = reader.poll(this.handler, this.batchLimit);
        work += n;
        if (n < this.batchLimit) break;
        if (!this.running) return; // stopped by the handler
      }
    } catch (e) {
      // A throwing handler is a bug upstream: stop rather than spin on it, and report it.
      this.stop();
      if (this.onError === undefined) throw e;
      this.onError(new GatewayError(RingErrorCode.RING_HANDLER_THREW, 'ring frame handler threw; poller stopped', { frames: this.frames }, { cause: e }));
      return;
    }
    this.frames += work;
    if (!this.running) return;
    if (reader.error !== RING_OK) {
      this.stop();
      this.onError?.(new GatewayError(RingErrorCode.RING_CORRUPT, 'ring frame breaks the layout; ring abandoned', { frames: this.frames }));
      return;
    }
    if (work > 0) {
      this.idleTurns = 0;
      if (this.spinWaitMs > 0 && this.spinWait(reader)) {
        this.schedule();
        return;
      }
      // Without spinning, a drained ring parks now: one more turn would only find it empty, and
      // that turn (setImmediate, an event-loop iteration) is CPU time the producer's thread may need
      // on a small machine before it can handle what this turn sent back.
      if (this.spinPolls === 0 && this.spinMicros === 0 && reader.prepareToPark()) {
        this.parked = true;
        this.parks++;
        return;
      }
      this.schedule();
      return;
    }
    if (this.idleTurns++ === 0 && this.spinMicros > 0) this.idleSince = performance.now();
    if (this.idleTurns <= this.spinPolls || (this.spinMicros > 0 && (performance.now() - this.idleSince) * 1000 < this.spinMicros)) {
      this.schedule();
      return;
    }
    if (reader.prepareToPark()) {
      this.parked = true;
      this.parks++;
      return; // until the doorbell
    }
    this.idleTurns = 0;
    this.schedule();
  };

  /** Busy-waits up to spinWaitMs for frames; true when some came. */
  private spinWait(reader: RingReader): boolean {
    if (reader.hasFrames()) return true;
    const deadline = performance.now() + this.spinWaitMs;
    for (;;) {
      for (let i = 0; i < 64; i++) if (reader.hasFrames()) return true;
      if (performance.now() >= deadline) return false;
    }
  }

  private readonly wake = (): void => {
    this.wakeups++;
    if (!this.running || !this.parked) return; // late or spurious: a turn is already scheduled
    this.parked = false;
    this.idleTurns = 0;
    this.turn(); // now, not one more loop iteration later (this is a doorbell callback, not a turn)
  };
}
