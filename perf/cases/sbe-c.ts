/**
 * The C codecs doing the same work as sbe-ts.ts (same case names, so the table shows C vs TS).
 * Builds perf/native/sbe_bench.c with gcc -O2 into a temp dir, times it, and counts instructions
 * per message with callgrind: (Ir at N2 − Ir at N1) / ((N2 − N1) × runs), which cancels start-up.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Case, Result } from '../harness.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const REFDATA = process.env.GATEWAY_REFDATA ?? path.resolve(ROOT, '..', 'shared', 'data');
const CAR = path.join(REFDATA, 'sbe', 'vectors', 'car_baseline_v0.bin');
const RUNS = 9; // sbe_bench repeats its loop 9 times

let binary: string | undefined;
function build(): string {
  if (binary) return binary;
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sbe-bench-')), 'sbe_bench');
  const r = spawnSync('gcc', [
    '-std=c11', '-O2', '-Wall', '-Wextra', '-Werror',
    `-I${path.join(ROOT, 'native', 'generated', 'clearing')}`,
    `-I${path.join(ROOT, 'test', 'generated', 'c', 'example-schema')}`,
    path.join(ROOT, 'perf', 'native', 'sbe_bench.c'), '-o', out,
  ], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`building sbe_bench failed:\n${r.stderr}`);
  return (binary = out);
}

function instructions(mode: string, iterations: number): number | undefined {
  const r = spawnSync('valgrind', ['--tool=callgrind', '--callgrind-out-file=/dev/null', build(), mode, String(iterations), CAR], { encoding: 'utf8' });
  const m = /I\s+refs:\s+([\d,]+)/.exec(r.stderr);
  return m ? Number(m[1]!.replace(/,/g, '')) : undefined;
}

function run(caseName: string, mode: string): Result {
  const r = spawnSync(build(), [mode, '1000000', CAR], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sbe_bench ${mode} failed: ${r.stderr}`);
  const t = JSON.parse(r.stdout) as { median: number; min: number; max: number; runs: number };
  const res: Result = { case: caseName, impl: 'c', unit: 'ns/msg', median: t.median, min: t.min, max: t.max, runs: t.runs };
  const lo = instructions(mode, 1000);
  const hi = instructions(mode, 11000);
  if (lo !== undefined && hi !== undefined) res.extra = { instrPerMsg: Math.round((hi - lo) / (10000 * RUNS)) };
  else res.extra = { instrPerMsg: 'valgrind unavailable' };
  return res;
}

export const cases: Case[] = [
  { name: 'sbe.decode.trade', impl: 'c', run: () => run('sbe.decode.trade', 'decode-trade') },
  { name: 'sbe.encode.trade', impl: 'c', run: () => run('sbe.encode.trade', 'encode-trade') },
  { name: 'sbe.decode.car', impl: 'c', run: () => run('sbe.decode.car', 'decode-car') },
];
