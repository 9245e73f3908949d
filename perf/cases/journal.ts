/**
 * Journal (src/journal): append throughput with "os" and "fsync" durability (end to end: appends plus
 * the time until the last one is durable), recovery rate (Journal.open with the session-store index
 * rebuild) and a 100,000-message resend served from the segment files. Directory: JOURNAL_BENCH_DIR or
 * the OS temp dir (ext4 on this machine). Medians of several runs; the disk is a shared virtual disk,
 * so fsync figures are only indicative.
 *
 * "ts-os" uses the default CRC engine (WebAssembly arena), "ts-os-jscrc" the JS tables (crcEngine
 * "js"), so `vs` shows what the engine is worth end to end. extra.gcsPerRun: collections during each run
 * of 1M appends (the appends themselves allocate nothing but the default clock's heap number per record,
 * 16 MB per run; the rest is the per-tick setImmediate promises and per-flush I/O requests). journal.commit isolates the journal's own
 * per-record work (header, padding, CRC, clock) from the session store's encoding.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { Journal, RT_OUTBOUND } from '../../src/journal/journal.js';
import { JournalSessionStore } from '../../src/journal/session-store.js';
import { type Case, type Result, summarise } from '../harness.js';

const KEY = 'FIX.4.4:GW->BENCH';
const MSG = new TextEncoder().encode(
  '8=FIX.4.4\x019=178\x0135=AR\x0134=1234567\x0149=CCP\x0156=MEMBER01\x0152=20261124-04:00:00.000000000\x01571=TR123456789\x01487=0\x01856=0\x01939=0\x01568=REQ987654321\x0131=101.25\x0132=1000\x0148=US0378331005\x0122=4\x0110=123\x01',
);
const BASE = process.env.JOURNAL_BENCH_DIR ?? os.tmpdir();

function freshDir(): string {
  return fs.mkdtempSync(path.join(BASE, 'journal-bench-'));
}

/** Append `n` outbound records in ticks of `batch` (yielding so group commit can run); ns per append until all durable. */
async function appendRun(durability: 'os' | 'fsync', n: number, batch: number, crcEngine: 'auto' | 'js' = 'auto'): Promise<{ nsPerAppend: number; jsNsPerAppend: number; dir: string; flushes: number; buffers: string; gcs: number }> {
  const dir = freshDir();
  const store = JournalSessionStore.open({ dir, durability, crcEngine });
  let gcs = 0;
  const obs = new PerformanceObserver((list) => (gcs += list.getEntries().length));
  obs.observe({ entryTypes: ['gc'] });
  const t0 = performance.now();
  let seq = 1;
  let js = 0; // time spent in the append loops on the JS thread
  while (seq <= n) {
    const end = Math.min(n, seq + batch - 1);
    const l0 = performance.now();
    for (; seq <= end; seq++) store.appendOutbound(KEY, seq, 'AR', MSG, 0, MSG.length, -1);
    js += performance.now() - l0;
    if (seq <= n) await new Promise((r) => setImmediate(r));
  }
  await store.journal.whenIdle();
  const ns = ((performance.now() - t0) * 1e6) / n;
  await new Promise((r) => setTimeout(r, 10)); // let the observer deliver
  obs.disconnect();
  const { flushes, arenaBuffers, bufferAllocations } = store.journal.stats;
  await store.close();
  return { nsPerAppend: ns, jsNsPerAppend: (js * 1e6) / n, dir, flushes, buffers: `${arenaBuffers}/${bufferAllocations}`, gcs };
}

/** Five runs of 1M "os" appends; median end to end, JS-thread time as an extra. */
async function appendCase(impl: string, crcEngine: 'auto' | 'js'): Promise<Result> {
  const samples: number[] = [];
  const jsSamples: number[] = [];
  let flushes = 0;
  let buffers = '';
  const gcs: number[] = [];
  for (let r = 0; r < 5; r++) {
    const x = await appendRun('os', 1_000_000, 10_000, crcEngine);
    samples.push(x.nsPerAppend);
    jsSamples.push(x.jsNsPerAppend);
    flushes = x.flushes;
    buffers = x.buffers;
    gcs.push(x.gcs);
    fs.rmSync(x.dir, { recursive: true });
  }
  const js = summarise('x', 'x', 'ns', jsSamples).median;
  const res = result('journal.append', impl, 'ns/append', samples, { recordBytes: 32 + 8 + 32 + 4 + MSG.length, flushesPerRun: flushes, arenaOfBuffers: buffers, jsThreadNsPerAppend: js, gcsPerRun: gcs.join('/') });
  res.extra!['appendsPerSec'] = Math.round(1e9 / res.median);
  return res;
}

/**
 * Journal.beginRecord + commitRecord of a 256-byte record (body left as is): the journal's own work per
 * append (clock, header, padding, CRC). Ticks of 10,000, each followed by waiting for the group commit
 * (so buffers are reused, not piled up behind the disk); the sample is the JS time of a tick.
 */
async function commitCase(impl: string, crcEngine: 'auto' | 'js'): Promise<Result> {
  const dir = freshDir();
  const j = Journal.open({ dir, durability: 'os', crcEngine });
  const body = 256 - 32;
  const samples: number[] = [];
  for (let tick = 0; tick < 400; tick++) {
    const t0 = performance.now();
    for (let i = 0; i < 10_000; i++) {
      j.beginRecord(body);
      j.commitRecord(RT_OUTBOUND, 1, 0, body);
    }
    if (tick >= 100) samples.push(((performance.now() - t0) * 1e6) / 10_000); // the first 100 warm up
    await j.whenIdle();
  }
  await j.close();
  fs.rmSync(dir, { recursive: true });
  return result('journal.commit', impl, 'ns/record', samples, { recordBytes: 256 });
}

function result(name: string, impl: string, unit: string, samples: number[], extra: Record<string, number | string>): Result {
  const r = summarise(name, impl, unit, samples);
  r.extra = extra;
  return r;
}

export const cases: Case[] = [
  { name: 'journal.append', impl: 'ts-os', run: () => appendCase('ts-os', 'auto') },
  { name: 'journal.append', impl: 'ts-os-jscrc', run: () => appendCase('ts-os-jscrc', 'js') },
  { name: 'journal.commit', impl: 'wasm-crc', run: () => commitCase('wasm-crc', 'auto') },
  { name: 'journal.commit', impl: 'js-crc', run: () => commitCase('js-crc', 'js') },
  {
    name: 'journal.append',
    impl: 'ts-fsync',
    async run() {
      const samples: number[] = [];
      let flushes = 0;
      for (let r = 0; r < 5; r++) {
        const x = await appendRun('fsync', 300_000, 1_000);
        samples.push(x.nsPerAppend);
        flushes = x.flushes;
        fs.rmSync(x.dir, { recursive: true });
      }
      const res = result('journal.append', 'ts-fsync', 'ns/append', samples, { flushesPerRun: flushes, batchPerTick: 1000 });
      res.extra!['appendsPerSec'] = Math.round(1e9 / res.median);
      return res;
    },
  },
  {
    name: 'journal.recover',
    impl: 'ts',
    async run() {
      const n = 2_000_000;
      const { dir } = await appendRun('os', n, 50_000);
      const samples: number[] = [];
      let segments = 0;
      for (let r = 0; r < 5; r++) {
        const t0 = performance.now();
        const store = JournalSessionStore.open({ dir, durability: 'os' });
        samples.push(((performance.now() - t0) * 1e6) / n);
        segments = store.journal.report.segments;
        if (store.recover(KEY).nextSenderSeq !== n + 1) throw new Error('recovery lost records');
        await store.close();
      }
      fs.rmSync(dir, { recursive: true });
      const res = result('journal.recover', 'ts', 'ns/record', samples, { records: n, segments });
      res.extra!['recordsPerSec'] = Math.round(1e9 / res.median);
      return res;
    },
  },
  {
    name: 'journal.resend100k',
    impl: 'ts',
    async run() {
      const n = 100_000;
      const { dir } = await appendRun('os', n, 10_000);
      const samples: number[] = [];
      for (let r = 0; r < 7; r++) {
        const store = JournalSessionStore.open({ dir, durability: 'os' });
        let bytes = 0;
        const t0 = performance.now();
        store.forEachOutbound(KEY, 1, 0, (_seq, _raw, _off, len) => {
          bytes += len;
        });
        samples.push(performance.now() - t0);
        if (bytes !== n * MSG.length) throw new Error('resend incomplete');
        await store.close();
      }
      fs.rmSync(dir, { recursive: true });
      return result('journal.resend100k', 'ts', 'ms', samples, { messages: n });
    },
  },
];
