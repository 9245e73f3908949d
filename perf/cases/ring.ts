/**
 * Ring throughput, small frames (32-byte header + 16-byte payload), unit M frames/s (higher is better):
 *   ring.small.native-to-js / js-reader  native producer thread (busy spin, 64 frames per publish) ->
 *                                        RingReader.poll in a tight loop on the JS thread
 *   ring.small.native-to-js / js-poller  the same through RingPoller (event-loop duty cycle: yields with
 *                                        setImmediate between batches of 16 x 256 frames)
 *   ring.small.native-to-js / c-consumer producer thread -> C consumer thread (perf/native/ring_bench.c)
 *   ring.small.js-to-js / js             RingWriter -> RingReader on one thread (no concurrency)
 * and the C instructions per frame (claim + fill + publish + poll, one thread) from callgrind.
 * Every run checks the frame count (and the C bench a sequence checksum). The machine has 2 noisy
 * cores: both threads spin, so anything else running halves the numbers; quote medians.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import type { Case, Result } from '../harness.js';
import { summarise } from '../harness.js';
import { FrameType } from '../../src/generated/gateway-internal/FrameType.js';
import { type FrameView, RingPoller, RingReader, RingWriter, formatRegion, ringAddon } from '../../src/native/ring.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const CASE = 'ring.small.native-to-js';
const PAYLOAD = 16;
const FRAMES = 5_000_000;
const RUNS = 7;
const UNIT = 'Mframes/s';

let sink = 0;
const handler = (f: FrameView): void => {
  sink = (sink + f.payloadLength + f.frameType) | 0;
};

function nativeToJsReader(): Result {
  const addon = ringAddon();
  const samples: number[] = [];
  for (let run = 0; run < RUNS + 1; run++) {
    const ring = addon.createRing(1 << 20, 1024);
    const reader = new RingReader(ring);
    const count = run === 0 ? 500_000 : FRAMES; // run 0 warms the JIT up
    const t0 = performance.now();
    const h = addon.startTestProducer(ring, { count, payloadBytes: PAYLOAD, batch: 64 });
    let got = 0;
    while (got < count) got += reader.poll(handler, 1024);
    const ms = performance.now() - t0;
    addon.stopTestProducer(h);
    if (reader.error !== 0) throw new Error('ring corrupt');
    if (run > 0) samples.push(count / ms / 1000);
  }
  return summarise(CASE, 'js-reader', UNIT, samples);
}

async function nativeToJsPoller(): Promise<Result> {
  const addon = ringAddon();
  const samples: number[] = [];
  for (let run = 0; run < RUNS + 1; run++) {
    const ring = addon.createRing(1 << 20, 1024);
    const count = run === 0 ? 500_000 : FRAMES;
    let got = 0;
    let done: () => void = () => {};
    const finished = new Promise<void>((r) => (done = r));
    const poller = new RingPoller(
      ring,
      (f) => {
        handler(f);
        if (++got === count) done();
      },
      { batchLimit: 256, batchesPerTurn: 16, spinPolls: 1000 },
    );
    poller.start();
    const t0 = performance.now();
    const h = addon.startTestProducer(ring, { count, payloadBytes: PAYLOAD, batch: 64 });
    await finished;
    const ms = performance.now() - t0;
    poller.stop();
    addon.stopTestProducer(h);
    if (run > 0) samples.push(count / ms / 1000);
  }
  return summarise(CASE, 'js-poller', UNIT, samples);
}

let binary: string | undefined;
function build(): string {
  if (binary) return binary;
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ring-bench-')), 'ring_bench');
  const r = spawnSync(
    'gcc',
    [
      '-std=c11', '-O2', '-Wall', '-Wextra', '-Werror',
      `-I${path.join(ROOT, 'native', 'src', 'core')}`,
      `-I${path.join(ROOT, 'native', 'generated')}`,
      path.join(ROOT, 'perf', 'native', 'ring_bench.c'),
      path.join(ROOT, 'native', 'src', 'core', 'ring.c'),
      '-o', out, '-lpthread',
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`building ring_bench failed:\n${r.stderr}`);
  return (binary = out);
}

function instructions(frames: number): number | undefined {
  const r = spawnSync('valgrind', ['--tool=callgrind', '--callgrind-out-file=/dev/null', build(), 'single', String(frames), String(PAYLOAD)], {
    encoding: 'utf8',
  });
  const m = /I\s+refs:\s+([\d,]+)/.exec(r.stderr);
  return m ? Number(m[1]!.replace(/,/g, '')) : undefined;
}

function cToC(): Result {
  const r = spawnSync(build(), ['threads', String(FRAMES * 2), String(PAYLOAD)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ring_bench failed: ${r.stderr}`);
  const t = JSON.parse(r.stdout) as { median: number; min: number; max: number; runs: number };
  const res: Result = { case: CASE, impl: 'c-consumer', unit: UNIT, median: t.median, min: t.min, max: t.max, runs: t.runs };
  const lo = instructions(1000);
  const hi = instructions(11000);
  res.extra = lo !== undefined && hi !== undefined ? { instrPerFrame: Math.round((hi - lo) / 10000) } : { instrPerFrame: 'valgrind unavailable' };
  return res;
}

function jsToJs(): Result {
  const samples: number[] = [];
  const region = formatRegion(1 << 20, 1024);
  const w = new RingWriter(region);
  const r = new RingReader(region);
  for (let run = 0; run < RUNS + 1; run++) {
    const count = run === 0 ? 500_000 : FRAMES;
    let got = 0;
    const t0 = performance.now();
    for (let i = 0; i < count; i += 64) {
      for (let k = 0; k < 64; k++) {
        const at = w.tryClaim(FrameType.SendBytes, PAYLOAD, 1, 2);
        w.bytes[at] = k;
      }
      w.publish();
      got += r.poll(handler, 64);
    }
    const ms = performance.now() - t0;
    if (got < count) throw new Error('lost frames');
    if (run > 0) samples.push(got / ms / 1000);
  }
  return summarise('ring.small.js-to-js', 'js', UNIT, samples);
}

export const cases: Case[] = [
  { name: CASE, impl: 'js-reader', run: nativeToJsReader },
  { name: CASE, impl: 'js-poller', run: nativeToJsPoller },
  { name: CASE, impl: 'c-consumer', run: cToC },
  { name: 'ring.small.js-to-js', impl: 'js', run: jsToJs },
];

export function sinkValue(): number {
  return sink;
}
