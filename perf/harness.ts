/**
 * Benchmark harness. Each case prints one JSON line:
 *   {"case":"sbe.decode.car","impl":"ts","unit":"ns/msg","median":..,"min":..,"max":..,"runs":9,"vs":{..}}
 * `vs` holds, for each other impl of the same case measured in this run, how many times better this
 * impl is (peer median / this median for time units). Medians, not means: this machine is noisy.
 * Timing is for reports only; nothing here asserts a time.
 */
import { performance, PerformanceObserver } from 'node:perf_hooks';
import * as v8 from 'node:v8';

export interface Result {
  case: string;
  impl: string;
  unit: string;
  median: number;
  min: number;
  max: number;
  runs: number;
  vs?: Record<string, number>;
  /** Extra facts a case reports (allocations, instruction counts, sizes). */
  extra?: Record<string, number | string>;
}

export interface Case {
  /** Case name shared by peers, e.g. `sbe.decode.car`. */
  name: string;
  impl: string;
  run(): Promise<Result> | Result;
}

/** Time `op` over `iterations` calls, `runs` times; ns per call. */
export function timeNs(name: string, impl: string, op: () => void, iterations: number, runs = 9): Result {
  for (let i = 0; i < Math.min(iterations, 100_000); i++) op(); // warm-up: let the JIT settle
  const samples: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    for (let i = 0; i < iterations; i++) op();
    samples.push(((performance.now() - t0) * 1e6) / iterations);
  }
  return summarise(name, impl, 'ns/msg', samples);
}

export function summarise(name: string, impl: string, unit: string, samples: number[]): Result {
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { case: name, impl, unit, median: round(median), min: round(s[0]!), max: round(s[s.length - 1]!), runs: s.length };
}

export interface AllocProbe {
  ops: number;
  gcEvents: number;
  /** New-space bytes allocated per op, measured across the loop (0 proves no allocation when gcEvents is 0). */
  bytesPerOp: number;
}

/**
 * GC probe: run `op` `ops` times and report garbage collections and new-space growth.
 * Zero GC events and zero new-space growth over a million ops means the op allocates nothing.
 */
export async function allocProbe(op: () => void, ops = 1_000_000): Promise<AllocProbe> {
  for (let i = 0; i < 200_000; i++) op(); // optimise first; the interpreter allocates where the JIT does not
  globalThis.gc?.();
  let gcEvents = 0;
  const obs = new PerformanceObserver((list) => (gcEvents += list.getEntries().length));
  obs.observe({ entryTypes: ['gc'] });
  const before = newSpaceUsed();
  for (let i = 0; i < ops; i++) op();
  const after = newSpaceUsed();
  await new Promise((r) => setTimeout(r, 10)); // let the observer deliver
  obs.disconnect();
  return { ops, gcEvents, bytesPerOp: gcEvents === 0 ? round(Math.max(0, after - before) / ops) : Number.NaN };
}

/**
 * A round proves `op` allocates nothing per call: no collection, and new space grew by less than a
 * byte per call (the smallest allocation, a heap number, is 12 bytes; what V8 and the probe itself
 * allocate once per round, a few KB, is not per call).
 */
export function isClean(p: AllocProbe): boolean {
  return p.gcEvents === 0 && p.bytesPerOp < 1;
}

/**
 * Probe `op` in rounds until one is clean (see isClean) or `rounds` are spent; returns every round,
 * the last one decides. A collection started by something else (the test runner's IPC, coverage)
 * spoils one round at most; an allocating op grows new space in every round.
 */
export async function probeUntilClean(op: () => void, ops: number, rounds = 6): Promise<AllocProbe[]> {
  const out: AllocProbe[] = [];
  for (let i = 0; i < rounds; i++) {
    const probe = await allocProbe(op, ops);
    out.push(probe);
    if (isClean(probe)) break;
  }
  return out;
}

function newSpaceUsed(): number {
  return v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_used_size ?? 0;
}

/** Fill `vs` for every result from the other impls of the same case (lower is better for time units). */
export function compare(results: Result[]): void {
  for (const r of results) {
    const peers = results.filter((p) => p.case === r.case && p.impl !== r.impl && p.unit === r.unit);
    if (peers.length === 0) continue;
    r.vs = {};
    for (const p of peers) r.vs[p.impl] = round(r.unit.startsWith('ns') || r.unit.startsWith('instr') ? p.median / r.median : r.median / p.median);
  }
}

export function table(results: Result[]): string {
  const rows = results.map((r) => [
    r.case,
    r.impl,
    `${r.median} ${r.unit}`,
    `${r.min}..${r.max}`,
    r.vs ? Object.entries(r.vs).map(([k, v]) => `${v}x vs ${k}`).join(', ') : '',
    r.extra ? Object.entries(r.extra).map(([k, v]) => `${k}=${v}`).join(' ') : '',
  ]);
  const head = ['case', 'impl', 'median', 'range', 'ratio', 'notes'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]): string => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [fmt(head), fmt(widths.map((w) => '-'.repeat(w))), ...rows.map(fmt)].join('\n');
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
