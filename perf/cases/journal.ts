/**
 * Journal (src/journal): append throughput with "os" and "fsync" durability (end to end: appends plus
 * the time until the last one is durable), recovery rate (Journal.open with the session-store index
 * rebuild) and a 100,000-message resend served from the segment files. Directory: JOURNAL_BENCH_DIR or
 * the OS temp dir (ext4 on this machine). Medians of several runs; the disk is a shared virtual disk,
 * so fsync figures are only indicative.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
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
async function appendRun(durability: 'os' | 'fsync', n: number, batch: number): Promise<{ nsPerAppend: number; jsNsPerAppend: number; dir: string; flushes: number }> {
  const dir = freshDir();
  const store = JournalSessionStore.open({ dir, durability });
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
  const flushes = store.journal.stats.flushes;
  await store.close();
  return { nsPerAppend: ns, jsNsPerAppend: (js * 1e6) / n, dir, flushes };
}

function result(name: string, impl: string, unit: string, samples: number[], extra: Record<string, number | string>): Result {
  const r = summarise(name, impl, unit, samples);
  r.extra = extra;
  return r;
}

export const cases: Case[] = [
  {
    name: 'journal.append',
    impl: 'ts-os',
    async run() {
      const samples: number[] = [];
      const jsSamples: number[] = [];
      let flushes = 0;
      for (let r = 0; r < 5; r++) {
        const x = await appendRun('os', 1_000_000, 10_000);
        samples.push(x.nsPerAppend);
        jsSamples.push(x.jsNsPerAppend);
        flushes = x.flushes;
        fs.rmSync(x.dir, { recursive: true });
      }
      const js = summarise('x', 'x', 'ns', jsSamples).median;
      const res = result('journal.append', 'ts-os', 'ns/append', samples, { recordBytes: 32 + 8 + 32 + 4 + MSG.length, flushesPerRun: flushes, jsThreadNsPerAppend: js });
      res.extra!['appendsPerSec'] = Math.round(1e9 / res.median);
      return res;
    },
  },
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
