/**
 * The C FIX framer + indexer alone (native/src/core/fix_*.c): frame and index the canonical
 * perf/corpus messages (226-byte TradeCaptureReport with nested groups, 186-byte NewOrderSingle) into
 * a ring payload, in a loop. Builds perf/native/fix_bench.c with the core's fix_*.c at -O2 (no
 * -march=native: the SIMD scanner is chosen at run time) into a temp dir, times it, and counts
 * instructions per message with callgrind: (Ir at N2 - Ir at N1) / (N2 - N1), one run each.
 * Time: median of 41 runs of 100,000 messages (short runs: a burst of load on the other core moves
 * the median of a few long runs a lot on this 2-core VM).
 * impl "c" = the run-time choice (AVX2 here), "c-scalar" = the scalar scanner forced, for comparison.
 * "c" is the same code the native-batch impl of fix-ts.ts runs through one N-API call per 256
 * messages; equal per-message times are expected.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Case, Result } from '../harness.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const CORE = path.join(ROOT, 'native', 'src', 'core');
const RUNS = 41; // timed runs of ITERATIONS messages each
const ITERATIONS = 100_000;

let binary: string | undefined;
function build(): string {
  if (binary) return binary;
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fix-bench-')), 'fix_bench');
  const sources = fs.readdirSync(CORE).filter((f) => /^fix_.*\.c$/.test(f)).map((f) => path.join(CORE, f));
  const r = spawnSync('gcc', [
    '-std=c11', '-O2', '-Wall', '-Wextra', '-Werror',
    `-I${CORE}`, `-I${path.join(ROOT, 'native', 'generated')}`,
    path.join(ROOT, 'perf', 'native', 'fix_bench.c'), ...sources, '-o', out,
  ], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`building fix_bench failed:\n${r.stderr}`);
  return (binary = out);
}

function instructions(file: string, scanner: string, iterations: number): number | undefined {
  const r = spawnSync('valgrind', ['--tool=callgrind', '--callgrind-out-file=/dev/null', build(), file, String(iterations), scanner, '1'], { encoding: 'utf8' });
  const m = /I\s+refs:\s+([\d,]+)/.exec(r.stderr);
  return m ? Number(m[1]!.replace(/,/g, '')) : undefined;
}

function run(caseName: string, impl: string, message: string, scanner: string): Result {
  const file = path.join(ROOT, 'perf', 'corpus', message);
  const r = spawnSync(build(), [file, String(ITERATIONS), scanner, String(RUNS)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`fix_bench ${message} ${scanner} failed: ${r.stderr}`);
  const t = JSON.parse(r.stdout) as { scanner: string; bytes: number; median: number; min: number; max: number; runs: number };
  const res: Result = { case: caseName, impl, unit: 'ns/msg', median: t.median, min: t.min, max: t.max, runs: t.runs };
  const lo = instructions(file, scanner, 1000);
  const hi = instructions(file, scanner, 11000);
  res.extra = { scanner: t.scanner, bytes: t.bytes };
  if (lo !== undefined && hi !== undefined) res.extra.instrPerMsg = Math.round((hi - lo) / 10000);
  else res.extra.instrPerMsg = 'valgrind unavailable';
  return res;
}

export const cases: Case[] = [
  { name: 'fix.index.tcr', impl: 'c', run: () => run('fix.index.tcr', 'c', 'tcr.fix', 'auto') },
  { name: 'fix.index.tcr', impl: 'c-scalar', run: () => run('fix.index.tcr', 'c-scalar', 'tcr.fix', 'scalar') },
  { name: 'fix.index.nos', impl: 'c', run: () => run('fix.index.nos', 'c', 'nos.fix', 'auto') },
  { name: 'fix.index.nos', impl: 'c-scalar', run: () => run('fix.index.nos', 'c-scalar', 'nos.fix', 'scalar') },
];
