/**
 * Rings between native agent threads and JS (src/native/ring.ts over native/src/core/ring.c):
 * JS-only wrap-around, Padding, back-pressure, too-large, shrink and corruption; a native producer
 * thread -> RingReader with every frame's header and payload checked; RingWriter -> a native consumer
 * thread checking every byte; back-pressure both ways; the RingPoller parking and being woken by the
 * doorbell, many rounds. Needs the addon (npm run build:native, or GATEWAY_ADDON).
 */
import test from 'ava';
import { FrameType } from '../../src/generated/gateway-internal/FrameType.js';
import {
  BACK_PRESSURED,
  CORRUPT,
  FRAME_HEADER_BYTES,
  type FrameView,
  RING_META_BYTES,
  RING_OK,
  RingPoller,
  RingReader,
  RingWriter,
  TEST_EPOCH_NS,
  TOO_LARGE,
  formatRegion,
  ringAddon,
  testPayloadByte,
} from '../../src/native/ring.js';
import { isGatewayError } from '../../src/codec/errors.js';

const addon = ringAddon();

function fillPattern(bytes: Uint8Array, offset: number, length: number, sequence: number): void {
  for (let i = 0; i < length; i++) bytes[offset + i] = testPayloadByte(sequence, i);
}

/** Checks one frame of the test producer's pattern; returns a description of the first problem or ''. */
function checkProducerFrame(f: FrameView, expectSequence: number, payloadBytes: number, variable: boolean): string {
  if (f.sequence !== expectSequence) return `sequence ${f.sequence}, expected ${expectSequence}`;
  const len = variable ? Number((BigInt(Math.imul(expectSequence, 2654435761 | 0) >>> 0)) % BigInt(payloadBytes + 1)) : payloadBytes;
  if (f.payloadLength !== len) return `payloadLength ${f.payloadLength}, expected ${len} at ${expectSequence}`;
  if (f.frameLength !== len + FRAME_HEADER_BYTES) return 'frameLength';
  if (f.frameType !== FrameType.UdpDatagram) return `frameType ${f.frameType}`;
  if (f.connectionId !== expectSequence >>> 0) return 'connectionId';
  if (f.sessionId !== len) return 'sessionId';
  if (f.flags !== 0) return 'flags';
  const ts = TEST_EPOCH_NS + BigInt(expectSequence);
  if (f.timestampHi !== Number(ts >> 32n) || f.timestampLo !== Number(ts & 0xffffffffn)) return 'timestamp halves';
  if (f.receiveTimestampUs !== Number(ts / 1000n) || f.receiveTimestampSubUs !== Number(ts % 1000n)) return 'timestamp us';
  if ((f.payloadOffset & 7) !== 0) return 'payload not 8-aligned';
  const b = f.bytes;
  const o = f.payloadOffset;
  for (let i = 0; i < len; i++) if (b[o + i] !== testPayloadByte(expectSequence, i)) return `payload byte ${i} of ${expectSequence}`;
  return '';
}

test('JS writer -> JS reader: wrap-around with Padding, sequences without gaps, contents, batching', (t) => {
  const region = formatRegion(4096, 1024);
  const w = new RingWriter(region);
  const r = new RingReader(region);
  let expect = 1;
  let problems = 0;
  let received = 0;
  let paddings = 0;
  let rng = 7;
  const handler = (f: FrameView): void => {
    if (f.sequence !== expect) problems++;
    const n = f.payloadLength;
    if (f.connectionId !== (expect & 0xffff) || f.sessionId !== n || f.frameType !== FrameType.SendBytes) problems++;
    for (let i = 0; i < n; i++) if (f.bytes[f.payloadOffset + i] !== testPayloadByte(expect, i)) { problems++; break; }
    expect++;
    received++;
  };
  let produced = 0;
  for (let round = 0; round < 20000; round++) {
    const batch = 1 + (round % 5);
    for (let k = 0; k < batch; k++) {
      rng = (Math.imul(rng, 1103515245) + 12345) >>> 0;
      const n = (rng >>> 16) % (1024 - FRAME_HEADER_BYTES + 1);
      const before = w.lastFrameOffset();
      const seq = w.nextSequence;
      const at = w.tryClaim(FrameType.SendBytes, n, seq & 0xffff, n);
      if (at === BACK_PRESSURED) break;
      t.true(at >= RING_META_BYTES && (at & 7) === 0);
      if (at === RING_META_BYTES + FRAME_HEADER_BYTES && before !== RING_META_BYTES) paddings++;
      fillPattern(w.bytes, at, n, seq);
      produced++;
    }
    w.publish();
    r.poll(handler, 1 + (round % 4));
  }
  while (r.poll(handler, 100) > 0);
  t.is(problems, 0);
  t.is(received, produced);
  t.true(paddings > 100, `paddings ${paddings}`);
  t.is(r.error, RING_OK);
  t.is(r.occupancy(), 0);
});

test('JS writer: back-pressure, too-large, shrink; reader: Padding shorter than a header', (t) => {
  const region = formatRegion(4096, 1024);
  const w = new RingWriter(region);
  const r = new RingReader(region);
  t.is(w.tryClaim(FrameType.SendBytes, 1024 - 32 + 1, 1, 1), TOO_LARGE);
  for (let i = 0; i < 4; i++) t.true(w.tryClaim(FrameType.SendBytes, 1024 - 32, 1, 1) > 0);
  t.is(w.tryClaim(FrameType.SendBytes, 0, 1, 1), BACK_PRESSURED);
  t.is(w.nextSequence, 5);
  t.is(w.publish(), 4096);
  t.is(w.publish(), 0);
  const lengths: number[] = [];
  const collect = (f: FrameView): void => void lengths.push(f.frameLength);
  t.is(r.poll(collect, 1), 1);
  t.true(w.tryClaim(FrameType.SendBytes, 1024 - 32, 1, 1) > 0);
  t.is(w.tryClaim(FrameType.SendBytes, 0, 1, 1), BACK_PRESSURED);
  w.publish();
  t.is(r.poll(collect, 100), 4);
  // 5 x 1024 written: offset 1024. Three more reach offset 0, then leave 8 bytes to the end:
  // 4088 = 3 x 1024 + 1016.
  for (const n of [992, 992, 992]) t.true(w.tryClaim(FrameType.SendBytes, n, 2, 2) > 0);
  w.publish();
  t.is(r.poll(collect, 100), 3);
  for (const n of [992, 992, 992, 984]) t.true(w.tryClaim(FrameType.SendBytes, n, 2, 2) > 0);
  w.publish();
  t.is(r.poll(collect, 100), 4);
  const at = w.tryClaim(FrameType.SendBytes, 500, 3, 3); // wraps behind an 8-byte Padding
  t.is(at, RING_META_BYTES + FRAME_HEADER_BYTES);
  const pad = new DataView(w.bytes.buffer, RING_META_BYTES + 4088);
  t.is(pad.getUint32(0, true), 8);
  t.is(pad.getUint16(4, true), FrameType.Padding);
  w.shrinkLast(10);
  t.is(w.tryClaim(FrameType.SendBytes, 3, 4, 4), RING_META_BYTES + 48 + FRAME_HEADER_BYTES);
  t.is(w.publish(), 8 + 48 + 40);
  lengths.length = 0;
  t.is(r.poll(collect, 100), 2);
  t.deepEqual(lengths, [42, 35]);
  t.is(r.error, RING_OK);
});

test('reader: a corrupt frame stops the ring (handled frames released, nothing read after)', (t) => {
  for (const corrupt of [16, 1025, 4096, 0xffffffff]) {
    const region = formatRegion(4096, 1024);
    const w = new RingWriter(region);
    const r = new RingReader(region);
    w.tryClaim(FrameType.SendBytes, 16, 1, 1);
    w.tryClaim(FrameType.SendBytes, 16, 1, 1);
    const bad = w.lastFrameOffset();
    w.tryClaim(FrameType.SendBytes, 16, 1, 1);
    w.publish();
    new DataView(w.bytes.buffer).setUint32(bad, corrupt, true);
    let seen = 0;
    t.is(r.poll(() => seen++, 10), 1);
    t.is(r.error, CORRUPT);
    t.is(r.poll(() => seen++, 10), 0);
    t.is(seen, 1);
    t.is(r.occupancy(), 96); // the first frame was released
  }
  t.throws(() => new RingReader(new ArrayBuffer(8192)), { code: 'RING_INVALID' } as never);
});

test('a throwing handler: its frame counts as consumed; RingPoller stops and reports it', async (t) => {
  const region = formatRegion(4096, 1024);
  const w = new RingWriter(region);
  const r = new RingReader(region);
  for (let i = 0; i < 5; i++) w.tryClaim(FrameType.SendBytes, 8, i, 0);
  w.publish();
  const seen: number[] = [];
  t.throws(() =>
    r.poll((f) => {
      seen.push(f.connectionId);
      if (f.connectionId === 2) throw new Error('boom');
    }, 10),
  );
  t.is(r.poll((f) => void seen.push(f.connectionId), 10), 2);
  t.deepEqual(seen, [0, 1, 2, 3, 4]);
  t.is(r.occupancy(), 0);

  const ring = addon.createRing(4096, 1024);
  const h = addon.startTestProducer(ring, { count: 100, payloadBytes: 8, idle: 'yield' });
  const errors: unknown[] = [];
  let calls = 0;
  const poller = new RingPoller(
    ring,
    () => {
      if (++calls === 3) throw new Error('handler bug');
    },
    { onError: (e) => errors.push(e) },
  );
  poller.start();
  await new Promise((r2) => setTimeout(r2, 50));
  addon.stopTestProducer(h);
  t.false(poller.isRunning);
  t.is(errors.length, 1);
  t.true(isGatewayError(errors[0], 'RING_HANDLER_THREW'));
  t.is(((errors[0] as Error).cause as Error).message, 'handler bug');
  t.is(calls, 3);
});

test('createRing validates its arguments and formats the region', (t) => {
  t.throws(() => addon.createRing(3000, 64), { instanceOf: RangeError });
  t.throws(() => addon.createRing(4096, 4096), { instanceOf: RangeError });
  t.throws(() => addon.createRing(-1, 64), { instanceOf: TypeError });
  const ring = addon.createRing(1 << 16, 2048);
  t.is(ring.capacity, 1 << 16);
  t.is(ring.maxFrame, 2048);
  t.is(ring.buffer.byteLength, RING_META_BYTES + (1 << 16));
  const r = new RingReader(ring);
  t.is(r.capacity, 1 << 16);
  t.is(r.occupancy(), 0);
  t.throws(() => addon.startTestProducer({} as never, { count: 1, payloadBytes: 1 }), { instanceOf: TypeError });
  t.throws(() => addon.startTestProducer(ring, { count: 1, payloadBytes: 2048 }), { instanceOf: RangeError });
});

async function drain(
  reader: RingReader,
  handler: (f: FrameView) => void,
  done: () => boolean,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out draining the ring');
    if (reader.poll(handler, 256) === 0) await new Promise((r) => setImmediate(r));
  }
}

for (const [name, payloadBytes, variable, capacity] of [
  ['fixed 16-byte payloads', 16, false, 1 << 16],
  ['variable 0..2000-byte payloads, 16 KiB ring (constant back-pressure)', 2000, true, 16384],
] as const) {
  test.serial(`native producer thread -> RingReader: 40000 frames, ${name}, every field and byte checked`, async (t) => {
    const ring = addon.createRing(capacity, 4096);
    const reader = new RingReader(ring);
    const count = 40_000;
    let expect = 1;
    let problem = '';
    const handler = (f: FrameView): void => {
      if (problem === '') problem = checkProducerFrame(f, expect, payloadBytes, variable);
      expect++;
    };
    // 'yield' while back-pressured: a spinning producer starves this thread on a loaded 2-core box
    const h = addon.startTestProducer(ring, { count, payloadBytes, variable, batch: 32, idle: 'yield' });
    try {
      await drain(reader, handler, () => expect > count);
    } finally {
      const status = addon.stopTestProducer(h);
      t.is(status.produced, count);
      t.true(status.done);
      if (variable) t.true(status.backPressured > 0, 'the producer was back-pressured');
    }
    t.is(problem, '');
    t.is(expect, count + 1);
    t.is(reader.error, RING_OK);
    t.is(reader.occupancy(), 0);
  });
}

test.serial('RingWriter -> native consumer thread: 40000 variable frames, every byte checked, back-pressure', async (t) => {
  const ring = addon.createRing(16384, 2048);
  const writer = new RingWriter(ring);
  const h = addon.startTestConsumer(ring);
  const count = 40_000;
  let bytes = 0;
  let backPressured = 0;
  const deadline = Date.now() + 60_000;
  try {
    for (let seq = 1; seq <= count; ) {
      const n = Math.imul(seq, 2654435761 | 0) >>> 0 >>> 21; // 0..2047 -> clamp below
      const len = n % (2048 - FRAME_HEADER_BYTES + 1);
      const at = writer.tryClaim(FrameType.SendBytes, len, seq, 0);
      if (at === BACK_PRESSURED) {
        backPressured++;
        writer.publish();
        if (Date.now() > deadline) throw new Error('consumer stalled');
        await new Promise((r) => setImmediate(r));
        continue;
      }
      t.true(at > 0);
      fillPattern(writer.bytes, at, len, seq);
      bytes += len;
      if (seq % 16 === 0) writer.publish();
      seq++;
    }
    writer.publish();
    while (addon.testConsumerStatus(h).frames < count) {
      if (Date.now() > deadline) throw new Error('consumer did not finish');
      await new Promise((r) => setTimeout(r, 1));
    }
  } finally {
    const s = addon.stopTestConsumer(h);
    t.is(s.frames, count);
    t.is(s.bytes, bytes);
    t.is(s.badSequence, 0);
    t.is(s.badContent, 0);
    t.false(s.corrupt);
  }
  t.true(backPressured > 0, 'the JS writer was back-pressured');
});

test.serial('native consumer reports a corrupt ring', async (t) => {
  const ring = addon.createRing(4096, 1024);
  const writer = new RingWriter(ring);
  writer.tryClaim(FrameType.SendBytes, 8, 1, 0);
  fillPattern(writer.bytes, writer.lastFrameOffset() + 32, 8, 1);
  writer.tryClaim(FrameType.SendBytes, 8, 1, 0);
  new DataView(writer.bytes.buffer).setUint32(writer.lastFrameOffset(), 3000, true); // > maxFrame
  writer.publish();
  const h = addon.startTestConsumer(ring);
  const deadline = Date.now() + 10_000;
  while (!addon.testConsumerStatus(h).corrupt && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1));
  const s = addon.stopTestConsumer(h);
  t.true(s.corrupt);
  t.is(s.frames, 1);
  t.is(s.badContent, 0);
});

test.serial('RingPoller: parks when idle and the doorbell wakes it, 200 rounds; clean stop', async (t) => {
  const ring = addon.createRing(1 << 16, 1024);
  let expect = 1;
  let problem = '';
  const poller = new RingPoller(
    ring,
    (f) => {
      if (problem === '' && f.sequence !== expect) problem = `sequence ${f.sequence}, expected ${expect}`;
      expect++;
    },
    { spinPolls: 4, batchLimit: 64 },
  );
  poller.start();
  const waitFor = async (cond: () => boolean, what: string): Promise<void> => {
    const deadline = Date.now() + 10_000;
    while (!cond()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 0));
    }
  };
  const rounds = 200;
  let total = 0;
  try {
    for (let round = 0; round < rounds; round++) {
      await waitFor(() => poller.isParked, 'the poller to park');
      // A producer per round (sequences restart at 1 per producer handle).
      expect = 1;
      const count = 1 + (round % 50);
      const h = addon.startTestProducer(ring, { count, payloadBytes: 8, idle: 'yield' });
      await waitFor(() => expect > count, `round ${round}: ${count} frames after the doorbell`);
      addon.stopTestProducer(h);
      total += count;
    }
  } finally {
    poller.stop();
  }
  t.is(problem, '');
  t.is(poller.frames, total);
  t.true(poller.parks >= rounds, `parks ${poller.parks}`);
  t.true(poller.wakeups >= rounds, `wakeups ${poller.wakeups}`);
  t.false(poller.isRunning);
  t.is(new Int32Array(ring.buffer, 0, 96)[64], 0, 'parked flag cleared by stop');
});

test.serial('RingPoller: stop from inside the handler; onError on corruption', async (t) => {
  const ring = addon.createRing(4096, 1024);
  const h = addon.startTestProducer(ring, { count: 1000, payloadBytes: 8, idle: 'yield' });
  let seen = 0;
  const poller = new RingPoller(
    ring,
    () => {
      if (++seen === 10) poller.stop();
    },
    { batchLimit: 16 },
  );
  poller.start();
  await new Promise((r) => setTimeout(r, 50));
  // stop() takes effect when the current poll() returns: the rest of that batch is still handled
  t.true(seen >= 10 && seen <= 16, `seen ${seen}`);
  t.false(poller.isRunning);
  const after = seen;
  await new Promise((r) => setTimeout(r, 20));
  t.is(seen, after, 'nothing handled after stop');
  addon.stopTestProducer(h);

  const bad = addon.createRing(4096, 1024);
  const w = new RingWriter(bad.buffer);
  w.tryClaim(FrameType.SendBytes, 8, 1, 0);
  new DataView(bad.buffer).setUint32(w.lastFrameOffset(), 5, true);
  w.publish();
  const errors: unknown[] = [];
  const p2 = new RingPoller(bad, () => t.fail('no frame expected'), { onError: (e) => errors.push(e) });
  p2.start();
  await new Promise((r) => setTimeout(r, 20));
  t.is(errors.length, 1);
  t.true(isGatewayError(errors[0]) && (errors[0] as { code: string }).code === 'RING_CORRUPT');
  t.false(p2.isRunning);
});
