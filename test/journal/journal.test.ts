import test from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GatewayError } from '../../src/codec/errors.js';
import { FLAG_BATCH_END, Journal, JournalErrorCode, type JournalFs, RECORD_HEADER_LENGTH, RT_OUTBOUND, defaultFs, listSegments } from '../../src/journal/journal.js';
import { JournalSessionStore } from '../../src/journal/session-store.js';

const KEY = 'FIX.4.4:GW->MEMBER1';
const enc = new TextEncoder();

const created: string[] = [];
process.on('exit', () => {
  for (const d of created) fs.rmSync(d, { recursive: true, force: true });
});

function tmpDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'journal-test-'));
  created.push(d);
  return d;
}

function fixMsg(seq: number, pad = 0): Uint8Array {
  return enc.encode(`8=FIX.4.4\x019=000\x0135=AE\x0134=${seq}\x0149=GW\x0156=MEMBER1\x0158=${'x'.repeat(pad + (seq % 17))}\x0110=000\x01`);
}

function collect(store: JournalSessionStore, key: string, from: number, to: number): Map<number, string> {
  const out = new Map<number, string>();
  store.forEachOutbound(key, from, to, (seq, raw, off, len) => {
    out.set(seq, Buffer.from(raw.subarray(off, off + len)).toString('latin1'));
  });
  return out;
}

test('round trip: appends, durability, recovery rebuilds identical state and resends', async (t) => {
  const dir = tmpDir();
  const s1 = JournalSessionStore.open({ dir, durability: 'fsync', segmentBytes: 1 << 20 });
  t.deepEqual(s1.recover(KEY), { nextSenderSeq: 1, nextTargetSeq: 1 });
  let last = -1;
  for (let seq = 1; seq <= 500; seq++) {
    const inb = fixMsg(seq);
    const pIn = s1.appendInbound(KEY, seq, 'AE', inb, 0, inb.length);
    t.true(pIn > last);
    const out = fixMsg(seq, 3);
    last = s1.appendOutbound(KEY, seq, 'AR', out, 0, out.length, pIn);
    t.true(last > pIn);
    t.is(last % 8, 0);
  }
  s1.appendInbound('other', 1, 'A', fixMsg(1), 0, fixMsg(1).length);
  // Before any flush: nothing is durable; resends are served from memory.
  t.is(s1.durablePosition(), -1);
  const mem = collect(s1, KEY, 10, 12);
  t.deepEqual([...mem.keys()], [10, 11, 12]);
  t.is(mem.get(11), Buffer.from(fixMsg(11, 3)).toString('latin1'));
  let fired = false;
  s1.onDurable(last, () => (fired = true));
  t.false(fired);
  await s1.journal.whenIdle();
  t.true(fired);
  t.true(s1.durablePosition() >= last);
  const before = { a: s1.recover(KEY), b: s1.recover('other'), all: collect(s1, KEY, 1, 0) };
  t.deepEqual(before.a, { nextSenderSeq: 501, nextTargetSeq: 501 });
  await s1.close();

  const s2 = JournalSessionStore.open({ dir, durability: 'fsync', segmentBytes: 1 << 20 });
  t.is(s2.journal.report.truncatedAt, -1);
  t.is(s2.journal.report.records, 1001);
  t.deepEqual(s2.recover(KEY), before.a);
  t.deepEqual(s2.recover('other'), { nextSenderSeq: 1, nextTargetSeq: 2 });
  const after = collect(s2, KEY, 1, 0);
  t.is(after.size, 500);
  t.deepEqual(after, before.all);
  t.deepEqual([...collect(s2, KEY, 498, 0).keys()], [498, 499, 500]);
  t.deepEqual([...collect(s2, KEY, 5, 7).keys()], [5, 6, 7]);
  // Appending continues after the recovered end.
  const p = s2.appendOutbound(KEY, 501, 'AR', fixMsg(501), 0, fixMsg(501).length, -1);
  t.true(p > s2.journal.report.lastPosition);
  await s2.close();
});

test('reset: later resends never return messages from before it; recovery agrees', async (t) => {
  const dir = tmpDir();
  const s1 = JournalSessionStore.open({ dir, durability: 'os', segmentBytes: 1 << 16 });
  for (let seq = 1; seq <= 20; seq++) s1.appendOutbound(KEY, seq, 'AR', fixMsg(seq), 0, fixMsg(seq).length, -1);
  for (let seq = 1; seq <= 7; seq++) s1.appendInbound(KEY, seq, 'AE', fixMsg(seq), 0, fixMsg(seq).length);
  s1.reset(KEY, 1, 1);
  t.deepEqual(s1.recover(KEY), { nextSenderSeq: 1, nextTargetSeq: 1 });
  t.is(collect(s1, KEY, 1, 0).size, 0);
  for (let seq = 1; seq <= 3; seq++) s1.appendOutbound(KEY, seq, '0', fixMsg(seq, 100), 0, fixMsg(seq, 100).length, -1);
  const live = collect(s1, KEY, 1, 0);
  await s1.close();
  const s2 = JournalSessionStore.open({ dir, durability: 'os', segmentBytes: 1 << 16 });
  t.deepEqual(s2.recover(KEY), { nextSenderSeq: 4, nextTargetSeq: 1 });
  t.deepEqual(collect(s2, KEY, 1, 0), live);
  t.is(live.size, 3);
  t.true(live.get(2)!.includes('x'.repeat(100)));
  await s2.close();
});

test('segment roll-over: records never straddle segments; everything reads back', async (t) => {
  const dir = tmpDir();
  const opts = { dir, durability: 'os' as const, segmentBytes: 4096, bufferBytes: 4096 };
  const s1 = JournalSessionStore.open(opts);
  for (let seq = 1; seq <= 300; seq++) {
    const m = fixMsg(seq, seq % 50);
    const p = s1.appendOutbound(KEY, seq, 'AR', m, 0, m.length, -1);
    const len = 32 + 8 + 32 + 4 + m.length;
    t.is(Math.floor(p / 4096), Math.floor((p + len - 1) / 4096), `record ${seq} inside one segment`);
  }
  await s1.close();
  const segs = listSegments(defaultFs, dir);
  t.true(segs.length > 10);
  for (const s of segs) t.is(fs.statSync(s.file).size, 4096);
  const s2 = JournalSessionStore.open(opts);
  t.is(s2.journal.report.truncatedAt, -1);
  const all = collect(s2, KEY, 1, 0);
  t.is(all.size, 300);
  for (let seq = 1; seq <= 300; seq++) t.is(all.get(seq), Buffer.from(fixMsg(seq, seq % 50)).toString('latin1'));
  await s2.close();
});

/** Write n outbound records, return the dir and the last record's position and length. */
async function writeN(n: number, opts: { segmentBytes: number; bufferBytes?: number }): Promise<{ dir: string; lastPos: number; lastLen: number; positions: number[] }> {
  const dir = tmpDir();
  const s = JournalSessionStore.open({ dir, durability: 'os', ...opts });
  const positions: number[] = [];
  for (let seq = 1; seq <= n; seq++) positions.push(s.appendOutbound(KEY, seq, 'AR', fixMsg(seq), 0, fixMsg(seq).length, -1));
  await s.close();
  const lastPos = positions[n - 1]!;
  const fd = fs.openSync(segFile(dir, lastPos, opts.segmentBytes), 'r');
  const b = Buffer.alloc(4);
  fs.readSync(fd, b, 0, 4, lastPos % opts.segmentBytes);
  fs.closeSync(fd);
  return { dir, lastPos, lastLen: b.readUInt32LE(0), positions };
}

function segFile(dir: string, position: number, segmentBytes: number): string {
  return path.join(dir, `${String(Math.floor(position / segmentBytes) * segmentBytes).padStart(20, '0')}.journal`);
}

function patch(dir: string, segmentBytes: number, position: number, bytes: Uint8Array): void {
  const fd = fs.openSync(segFile(dir, position, segmentBytes), 'r+');
  fs.writeSync(fd, bytes, 0, bytes.length, position % segmentBytes);
  fs.closeSync(fd);
}

function copyDir(from: string): string {
  const to = tmpDir();
  for (const f of fs.readdirSync(from)) fs.copyFileSync(path.join(from, f), path.join(to, f));
  return to;
}

test('torn tail of every length (zeros and garbage) is truncated, reported, never replayed', async (t) => {
  const SEG = 1 << 16;
  const { dir, lastPos, lastLen } = await writeN(40, { segmentBytes: SEG, bufferBytes: 8192 });
  const padded = (lastLen + 7) & ~7;
  for (const garbage of [false, true]) {
    for (let landed = 0; landed < lastLen; landed++) {
      const d = copyDir(dir);
      const tail = new Uint8Array(padded - landed);
      if (garbage) for (let i = 0; i < tail.length; i++) tail[i] = (i * 131 + landed) & 0xff | 1;
      patch(d, SEG, lastPos + landed, tail);
      const s = JournalSessionStore.open({ dir: d, durability: 'os', segmentBytes: SEG, bufferBytes: 8192 });
      const r = s.journal.report;
      t.is(r.records, 39, `landed ${landed} garbage ${garbage}`);
      t.is(r.endPosition, lastPos);
      if (landed === 0 && !garbage) {
        t.is(r.truncatedAt, -1, 'nothing landed: a clean end');
        t.is(r.discardedBytes, 0);
      } else {
        t.is(r.truncatedAt, lastPos);
        t.true(r.discardedBytes > 0 && r.discardedBytes <= padded);
      }
      t.false(r.corruption);
      t.deepEqual(s.recover(KEY), { nextSenderSeq: 40, nextTargetSeq: 1 });
      t.is(collect(s, KEY, 40, 40).size, 0);
      // New appends take the torn record's place and survive the next recovery.
      const m = fixMsg(40, 9);
      t.is(s.appendOutbound(KEY, 40, 'AR', m, 0, m.length, -1), lastPos);
      await s.close();
      const s2 = JournalSessionStore.open({ dir: d, durability: 'os', segmentBytes: SEG, bufferBytes: 8192 });
      t.is(s2.journal.report.truncatedAt, -1);
      t.is(collect(s2, KEY, 40, 40).get(40), Buffer.from(m).toString('latin1'));
      await s2.close();
      fs.rmSync(d, { recursive: true });
    }
  }
});

test('CRC damage in the middle is corruption: open refuses, "truncate" repairs and says so', async (t) => {
  const SEG = 1 << 20;
  const { dir, positions } = await writeN(400, { segmentBytes: SEG, bufferBytes: 4096 });
  const victim = positions[20]!;
  patch(dir, SEG, victim + 40, new Uint8Array([0x5a]));
  const err = t.throws(() => JournalSessionStore.open({ dir, durability: 'os', segmentBytes: SEG, bufferBytes: 4096 }), { instanceOf: GatewayError });
  t.is(err!.code, JournalErrorCode.JOURNAL_CORRUPT);
  t.is(err!.context['position'], victim);
  // Nothing was changed by the refused open.
  t.throws(() => JournalSessionStore.open({ dir, durability: 'os', segmentBytes: SEG, bufferBytes: 4096 }));
  const s = JournalSessionStore.open({ dir, durability: 'os', segmentBytes: SEG, bufferBytes: 4096, onCorruption: 'truncate' });
  t.true(s.journal.report.corruption);
  t.is(s.journal.report.truncatedAt, victim);
  t.is(s.journal.report.records, 20);
  t.is(s.journal.report.discardedRecords, 379);
  t.deepEqual(s.recover(KEY), { nextSenderSeq: 21, nextTargetSeq: 1 });
  await s.close();
});

test('damage within the last flush window is a torn tail, with the later records counted as discarded', async (t) => {
  const SEG = 1 << 20;
  const { dir, positions } = await writeN(400, { segmentBytes: SEG, bufferBytes: 4096 });
  const victim = positions[397]!;
  patch(dir, SEG, victim + 40, new Uint8Array([0x5a]));
  const s = JournalSessionStore.open({ dir, durability: 'os', segmentBytes: SEG, bufferBytes: 4096 });
  t.false(s.journal.report.corruption);
  t.is(s.journal.report.truncatedAt, victim);
  t.is(s.journal.report.discardedRecords, 2);
  t.deepEqual(s.recover(KEY), { nextSenderSeq: 398, nextTargetSeq: 1 });
  await s.close();
});

test('fdatasync failure: journal stops accepting, never reports durability, tells listeners', async (t) => {
  const dir = tmpDir();
  let syncs = 0;
  const failing: JournalFs = {
    ...defaultFs,
    fdatasync: (fd, cb) => {
      syncs++;
      if (syncs === 1) fs.fdatasync(fd, cb);
      else setImmediate(() => cb(Object.assign(new Error('EIO: injected'), { code: 'EIO' })));
    },
  };
  const j = Journal.open({ dir, durability: 'fsync', fs: failing });
  const body = new Uint8Array(40).fill(7);
  const p1 = j.appendRaw(RT_OUTBOUND, 1, body, 0, body.length);
  await j.whenIdle();
  t.is(j.durablePosition(), p1);
  const failures: Error[] = [];
  j.onFailure((e) => failures.push(e));
  const p2 = j.appendRaw(RT_OUTBOUND, 1, body, 0, body.length);
  let called = false;
  j.onDurable(p2, () => (called = true));
  await j.whenIdle();
  t.is(failures.length, 1);
  t.is((failures[0] as GatewayError).code, JournalErrorCode.JOURNAL_FAILED);
  t.false(called);
  t.is(j.durablePosition(), p1);
  const e = t.throws(() => j.appendRaw(RT_OUTBOUND, 1, body, 0, body.length), { instanceOf: GatewayError });
  t.is(e!.code, JournalErrorCode.JOURNAL_FAILED);
  t.is(j.failure(), failures[0]!);
});

test('write failure also fails the journal', async (t) => {
  const dir = tmpDir();
  const failing: JournalFs = { ...defaultFs, write: (_fd, _b, _o, _l, _p, cb) => setImmediate(() => cb(new Error('ENOSPC: injected'), 0)) };
  const j = Journal.open({ dir, durability: 'os', fs: failing });
  const body = new Uint8Array(8);
  j.appendRaw(RT_OUTBOUND, 1, body, 0, 8);
  await j.whenIdle();
  t.truthy(j.failure());
  t.is(j.durablePosition(), -1);
  t.throws(() => j.appendRaw(RT_OUTBOUND, 1, body, 0, 8), { message: /JOURNAL_FAILED/ });
});

test('onDurable fires in position order, only once durable, across several group commits', async (t) => {
  const dir = tmpDir();
  let pendingSync: (() => void)[] = [];
  const slow: JournalFs = { ...defaultFs, fdatasync: (fd, cb) => pendingSync.push(() => fs.fdatasync(fd, cb)) };
  const j = Journal.open({ dir, durability: 'fsync', fs: slow, bufferBytes: 4096 });
  const body = new Uint8Array(400);
  const fired: number[] = [];
  const positions: number[] = [];
  for (let i = 0; i < 30; i++) positions.push(j.appendRaw(RT_OUTBOUND, 1, body, 0, body.length));
  // Register out of order; each callback checks durability when it runs.
  for (const i of [29, 3, 17, 0, 17, 28, 5]) {
    const p = positions[i]!;
    j.onDurable(p, () => {
      t.true(j.durablePosition() >= p);
      fired.push(p);
    });
  }
  await new Promise((r) => setTimeout(r, 20));
  t.deepEqual(fired, []); // the first group is written but its fdatasync has not completed
  while (j.durablePosition() < positions[29]!) {
    await new Promise((r) => setTimeout(r, 5));
    const ps = pendingSync;
    pendingSync = [];
    for (const p of ps) p();
  }
  await j.whenIdle();
  t.deepEqual(fired, [0, 3, 5, 17, 17, 28, 29].map((i) => positions[i]!));
  t.true(j.stats.flushes >= 2, 'more than one group commit');
  await j.close();
});

test('batchEnd flag marks the last record of each flushed group (CRC still valid)', async (t) => {
  const dir = tmpDir();
  const j = Journal.open({ dir, durability: 'os' });
  const body = new Uint8Array(16);
  const a = j.appendRaw(RT_OUTBOUND, 1, body, 0, 16);
  const b = j.appendRaw(RT_OUTBOUND, 1, body, 0, 16);
  await j.whenIdle();
  const c = j.appendRaw(RT_OUTBOUND, 1, body, 0, 16);
  await j.close();
  const flags: number[] = [];
  Journal.open({ dir, durability: 'os' }, (_rt, _sid, _pos, buf, off) => flags.push((buf[off + 26]! | (buf[off + 27]! << 8)) & FLAG_BATCH_END));
  t.deepEqual(flags, [0, FLAG_BATCH_END, FLAG_BATCH_END]);
  t.deepEqual([a, b, c], [0, 48, 96]); // 32-byte header + 16-byte body
});

test('session key mapping: configured ids, stable hashes, collisions refused', (t) => {
  const dir = tmpDir();
  const s = JournalSessionStore.open({ dir, durability: 'os', sessionIds: { A: 7, B: 8 } });
  t.is(s.sessionIdOf('A'), 7);
  const h = s.sessionIdOf('FIX.4.4:X->Y');
  t.true(h >= 1 && h <= 0xfffffffe);
  const s2 = JournalSessionStore.open({ dir: tmpDir(), durability: 'os' });
  t.is(s2.sessionIdOf('FIX.4.4:X->Y'), h, 'stable across instances');
  t.throws(() => JournalSessionStore.open({ dir: tmpDir(), durability: 'os', sessionIds: { A: 7, B: 7 } }), { message: /JOURNAL_CONFIG/ });
  const s3 = JournalSessionStore.open({ dir: tmpDir(), durability: 'os', sessionIds: { A: h } });
  t.throws(() => s3.sessionIdOf('FIX.4.4:X->Y'), { message: /collides/ });
});

test('sequence gaps: sparse seqs resend what exists; a huge jump restarts the index', async (t) => {
  const dir = tmpDir();
  const s = JournalSessionStore.open({ dir, durability: 'os' });
  for (const seq of [3, 1, 7, 5, 2000]) s.appendOutbound(KEY, seq, 'AR', fixMsg(seq), 0, fixMsg(seq).length, -1);
  t.deepEqual([...collect(s, KEY, 1, 0).keys()], [1, 3, 5, 7, 2000]);
  t.deepEqual([...collect(s, KEY, 4, 6).keys()], [5]);
  s.appendOutbound(KEY, 50_000_000, 'AR', fixMsg(9), 0, fixMsg(9).length, -1);
  t.deepEqual([...collect(s, KEY, 1, 0).keys()], [50_000_000]);
  t.deepEqual(s.recover(KEY), { nextSenderSeq: 50_000_001, nextTargetSeq: 1 });
  await s.close();
  const s2 = JournalSessionStore.open({ dir, durability: 'os' });
  t.deepEqual(s2.recover(KEY), { nextSenderSeq: 50_000_001, nextTargetSeq: 1 });
  t.deepEqual([...collect(s2, KEY, 1, 0).keys()], [50_000_000]);
  await s2.close();
});

test('short writes are continued; "os" durability never calls fdatasync', async (t) => {
  const dir = tmpDir();
  let syncs = 0;
  let writes = 0;
  const stingy: JournalFs = {
    ...defaultFs,
    // At most 1000 bytes per write call, like a file system under pressure.
    write: (fd, b, o, l, p, cb) => {
      writes++;
      fs.write(fd, b, o, Math.min(l, 1000), p, cb);
    },
    fdatasync: (fd, cb) => {
      syncs++;
      fs.fdatasync(fd, cb);
    },
  };
  const s = JournalSessionStore.open({ dir, durability: 'os', fs: stingy, segmentBytes: 1 << 16 });
  for (let seq = 1; seq <= 100; seq++) s.appendOutbound(KEY, seq, 'AR', fixMsg(seq), 0, fixMsg(seq).length, -1);
  const last = s.journal.lastPosition();
  await s.journal.whenIdle();
  t.is(s.durablePosition(), last);
  t.is(syncs, 0);
  t.true(writes > 5, 'the group was written in several calls');
  await s.close();
  const s2 = JournalSessionStore.open({ dir, durability: 'os', segmentBytes: 1 << 16 });
  t.is(s2.journal.report.truncatedAt, -1);
  t.is(collect(s2, KEY, 1, 0).size, 100);
  await s2.close();
});

test('failure to create the next segment fails the journal instead of corrupting it', async (t) => {
  const dir = tmpDir();
  let allowCreate = true;
  const noSpace: JournalFs = {
    ...defaultFs,
    ftruncateSync: (fd, len) => {
      if (!allowCreate) throw Object.assign(new Error('ENOSPC: injected'), { code: 'ENOSPC' });
      fs.ftruncateSync(fd, len);
    },
  };
  const s = JournalSessionStore.open({ dir, durability: 'os', fs: noSpace, segmentBytes: 4096, bufferBytes: 4096 });
  for (let seq = 1; seq <= 5; seq++) s.appendOutbound(KEY, seq, 'AR', fixMsg(seq), 0, fixMsg(seq).length, -1);
  await s.journal.whenIdle();
  allowCreate = false;
  const err = t.throws(() => {
    for (let seq = 6; seq <= 100; seq++) s.appendOutbound(KEY, seq, 'AR', fixMsg(seq), 0, fixMsg(seq).length, -1);
  });
  t.regex(err!.message, /JOURNAL_FAILED/);
  t.truthy(s.journal.failure());
  await s.journal.whenIdle();
  // What was written before the failure is still a valid journal.
  const s2 = JournalSessionStore.open({ dir, durability: 'os', segmentBytes: 4096, bufferBytes: 4096 });
  t.false(s2.journal.report.corruption);
  // The records flushed before the failure; nothing after it (never durable, never acknowledged).
  t.is(s2.recover(KEY).nextSenderSeq, 6);
  await s2.close();
});

test('a failure while a group is in flight: the group never becomes durable, no crash', async (t) => {
  const dir = tmpDir();
  let allowCreate = true;
  let held: (() => void) | null = null;
  const fsx: JournalFs = {
    ...defaultFs,
    ftruncateSync: (fd, len) => {
      if (!allowCreate) throw new Error('ENOSPC: injected');
      fs.ftruncateSync(fd, len);
    },
    fdatasync: (fd, cb) => {
      held = () => fs.fdatasync(fd, cb);
    },
  };
  const s = JournalSessionStore.open({ dir, durability: 'fsync', fs: fsx, segmentBytes: 4096, bufferBytes: 4096 });
  const p1 = s.appendOutbound(KEY, 1, 'AR', fixMsg(1), 0, fixMsg(1).length, -1);
  let durable1 = false;
  s.onDurable(p1, () => (durable1 = true));
  while (held === null) await new Promise((r) => setTimeout(r, 2)); // group 1 written, its fdatasync held
  allowCreate = false;
  t.throws(() => {
    for (let seq = 2; seq <= 100; seq++) s.appendOutbound(KEY, seq, 'AR', fixMsg(seq), 0, fixMsg(seq).length, -1);
  });
  (held as () => void)();
  await new Promise((r) => setTimeout(r, 50));
  t.false(durable1, 'no durability is reported after the journal failed');
  t.is(s.durablePosition(), -1);
});

test('crcEngine "auto" (wasm arena, plain buffers past it) and "js" write byte-identical segments; each reads the other', async (t) => {
  // One synchronous burst, then one wait: the groups (and so the batchEnd flags) are the sealed buffers,
  // the same for both journals. bufferBytes 4096 makes ~50 buffers: more than the arena holds (16), so
  // the auto journal also writes through plain buffers with the JS CRC. Bodies of 0..47 bytes cover
  // every CRC tail; 16 KiB segments add padding records and roll-overs.
  const write = async (crcEngine: 'auto' | 'js'): Promise<{ dir: string; positions: number[]; allocations: number; inArena: number }> => {
    const dir = tmpDir();
    let clock = 1_700_000_000_000_000_000;
    const j = Journal.open({ dir, durability: 'os', segmentBytes: 16384, bufferBytes: 4096, crcEngine, nowNs: () => (clock += 1000) });
    const body = new Uint8Array(300);
    for (let i = 0; i < body.length; i++) body[i] = (i * 29 + 3) & 0xff;
    const positions: number[] = [];
    for (let i = 0; i < 2000; i++) positions.push(j.appendRaw(1 + (i % 4), i, body, i % 7, (i * 13) % 48 + (i % 5 === 0 ? 200 : 0)));
    await j.whenIdle();
    const { bufferAllocations: allocations, arenaBuffers: inArena } = j.stats;
    await j.close();
    return { dir, positions, allocations, inArena };
  };
  const auto = await write('auto');
  const js = await write('js');
  t.deepEqual(auto.positions, js.positions);
  t.true(auto.inArena >= 16 && auto.allocations > auto.inArena, `arena and plain buffers were both used (${auto.inArena} of ${auto.allocations})`);
  t.is(js.inArena, 0);
  const files = (d: string): string[] => listSegments(defaultFs, d).map((s) => path.basename(s.file));
  t.deepEqual(files(auto.dir), files(js.dir));
  t.true(files(auto.dir).length >= 4);
  for (const f of files(auto.dir)) t.true(fs.readFileSync(path.join(auto.dir, f)).equals(fs.readFileSync(path.join(js.dir, f))), f);
  for (const [dir, crcEngine] of [[auto.dir, 'js'], [js.dir, 'auto']] as const) {
    const seen: number[] = [];
    const j = Journal.open({ dir, durability: 'os', segmentBytes: 16384, bufferBytes: 4096, crcEngine }, (rt, _sid, pos) => {
      if (rt !== 0) seen.push(pos);
    });
    t.is(j.report.truncatedAt, -1);
    t.deepEqual(seen, auto.positions);
    // Reads from the files (through the resend window) verify each CRC.
    for (const p of [auto.positions[0]!, auto.positions[777]!, auto.positions[1999]!]) {
      const buf = j.readRecord(p);
      t.is(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).readUInt32LE(j.readOffset + 8), p);
    }
    await j.close();
  }
});

test('close: reads and appends throw JOURNAL_CLOSED; a journal reopened on the recycled arena is intact', async (t) => {
  const dir = tmpDir();
  const body = new Uint8Array(200).fill(0x5a);
  const positions: number[] = [];
  for (let round = 0; round < 3; round++) {
    // Each open after the first takes the arena the previous close recycled (same options).
    const j = Journal.open({ dir, durability: 'os' });
    t.is(j.report.records, positions.length);
    for (const p of positions) t.is(j.readRecord(p)[j.readOffset + RECORD_HEADER_LENGTH + 7], 0x5a); // from the files, CRC checked
    for (let i = 0; i < 5000; i++) positions.push(j.appendRaw(RT_OUTBOUND, round, body, 0, 200));
    await j.close();
    t.throws(() => j.readRecord(positions[0]!), { message: /JOURNAL_CLOSED/ });
    t.throws(() => j.appendRaw(RT_OUTBOUND, 1, body, 0, 1), { message: /JOURNAL_CLOSED/ });
  }
});
