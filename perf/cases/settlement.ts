/**
 * Settlement cycle close (src/settlement) for 1,000 members × 5,000 securities.
 *
 * Data (deterministic, seed 6): 1,000,000 trades netted into positions as the engine would
 * (continuous netting per member per security): each trade picks its security by a Zipf(1.0) law
 * over the 5,000 (popular names trade most), its buyer and seller (distinct) by a Zipf(0.8) law over
 * the 1,000 members (large dealers trade most), 100..1,000 shares at the system price ± up to 2 %,
 * money = qty × price rounded HALF_EVEN to 10^-4 on both sides (so every security's money nets to
 * zero). 1 % of trades are "carried fails" (booked as failQty/failMoney instead). What is generated
 * — positions, non-zero obligations, instructions — is reported in `extra`; with these laws 1 M
 * trades leave roughly 0.5 M non-zero member × security positions (of the 5 M possible).
 * `SETTLEMENT_BENCH_TRADES` overrides the trade count, `SETTLEMENT_BENCH_RUNS` the runs (default 3),
 * `SETTLEMENT_BENCH_DIR` the output folder (default the OS temp dir; ext4 on a shared virtual disk
 * here: fsync figures are indicative).
 *
 * Cases (ms per cycle, medians; no peers):
 *   settlement.compute          computeCycle alone (validation, obligations, totals, money).
 *   settlement.close.write      closeCycle without validation: compute + every file written and fsynced
 *                               + atomic rename. extra: file sizes by kind.
 *   settlement.validate         xmllint alone over the written XML (secl.010 + sese.023), streaming,
 *                               N processes at once (N = available parallelism).
 *   settlement.close.sample     closeCycle with validate: 'sample' (one message of each shape validated
 *                               before writing; extra.sampleValidateMsMedian).
 *   settlement.close.validate   closeCycle with validate: true (writing and validation overlap).
 * The two full-validation cases run SETTLEMENT_BENCH_VALIDATE_RUNS times (default 1: minutes each).
 * `extra.cpuMsMedian` / `xmllintCpuMs`: CPU time, steadier than wall time on this shared machine.
 *
 * Modelled on NSCC's public CNS descriptions and on ISO 20022; not DTCC-certified.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { qtyTimesPrice } from '../../src/codec/decimal.js';
import { cusipCheckDigitAscii, isinFromCusip } from '../../src/codec/ids.js';
import { closeCycle } from '../../src/settlement/close.js';
import { computeCycle } from '../../src/settlement/compute.js';
import type { CycleInput, CycleMember, CyclePosition, CycleSecurity } from '../../src/settlement/types.js';
import { SchemaSet, ValidationQueue } from '../../src/settlement/xmllint.js';
import type { Case, Result } from '../harness.js';
import { summarise } from '../harness.js';

const MEMBERS = 1000;
const SECURITIES = 5000;
const TRADES = Number(process.env['SETTLEMENT_BENCH_TRADES'] ?? 1_000_000);
const RUNS = Number(process.env['SETTLEMENT_BENCH_RUNS'] ?? 3);
/** Runs of the two full-validation cases (minutes each at 1 M trades). */
const VALIDATE_RUNS = Number(process.env['SETTLEMENT_BENCH_VALIDATE_RUNS'] ?? 1);
const BASE = process.env['SETTLEMENT_BENCH_DIR'] ?? os.tmpdir();
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..', '..');
const XSD = path.join(process.env['GATEWAY_REFDATA'] ?? path.resolve(ROOT, '..', 'shared', 'data'), 'iso20022', 'xsd');

/** mulberry32: small deterministic PRNG, uniform in [0, 1). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function zipf(n: number, s: number): Float64Array {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) cdf[i] = sum += 1 / Math.pow(i + 1, s);
  for (let i = 0; i < n; i++) cdf[i]! /= sum;
  return cdf;
}

function pick(cdf: Float64Array, u: number): number {
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cdf[mid]! < u) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function cusipOf(i: number): string {
  const body = 'QZ' + String(i).padStart(6, '0');
  const b = Buffer.from(body + '0', 'ascii');
  return body + String(cusipCheckDigitAscii(b, 0));
}

interface Generated {
  input: CycleInput;
  trades: number;
  positions: number;
}

export function generate(trades: number): Generated {
  const r = rng(6);
  const members: CycleMember[] = [];
  for (let m = 0; m < MEMBERS; m++) {
    const id = `M${String(m).padStart(4, '0')}`;
    members.push({ id, lei: '529900T8BM49AURSDO55', name: `Member ${m}`, cashAccount: `${id}-CASH`, securitiesAccount: `${id}-SEC`, ...(m % 2 === 0 ? { bic: `MBR${String.fromCharCode(65 + (m % 26))}US33${String(m).padStart(3, '0').slice(-3)}` } : {}) });
  }
  const securities: CycleSecurity[] = [];
  for (let s = 0; s < SECURITIES; s++) {
    const cusip = cusipOf(s);
    securities.push({ isin: isinFromCusip(cusip), cusip, price: (100 + Math.floor(r() * 50_000)) * 10_000_000 }); // 1.00 .. 500.99
  }
  const secCdf = zipf(SECURITIES, 1.0);
  const memCdf = zipf(MEMBERS, 0.8);
  const n = MEMBERS * SECURITIES;
  const qty = new Float64Array(n);
  const money = new Float64Array(n);
  const fq = new Float64Array(n);
  const fm = new Float64Array(n);
  for (let t = 0; t < trades; t++) {
    const s = pick(secCdf, r());
    const buyer = pick(memCdf, r());
    let seller = pick(memCdf, r());
    while (seller === buyer) seller = pick(memCdf, r());
    const q = 100 * (1 + Math.floor(r() * 10));
    const p = securities[s]!.price;
    const px = p + Math.round(((r() - 0.5) * 0.04 * p) / 10_000_000) * 10_000_000;
    const m = Number(qtyTimesPrice(BigInt(q), BigInt(px)));
    const fail = r() < 0.01;
    const [Q, M] = fail ? [fq, fm] : [qty, money];
    Q[buyer * SECURITIES + s]! += q;
    M[buyer * SECURITIES + s]! -= m;
    Q[seller * SECURITIES + s]! -= q;
    M[seller * SECURITIES + s]! += m;
  }
  const positions: CyclePosition[] = [];
  for (let m = 0; m < MEMBERS; m++)
    for (let s = 0; s < SECURITIES; s++) {
      const k = m * SECURITIES + s;
      if (qty[k] === 0 && money[k] === 0 && fq[k] === 0 && fm[k] === 0) continue;
      positions.push({
        member: members[m]!.id,
        isin: securities[s]!.isin,
        netQty: qty[k]!,
        netMoney: money[k]!,
        ...(fq[k] !== 0 || fm[k] !== 0 ? { failQty: fq[k]!, failMoney: fm[k]!, failSettlDate: 20261124 } : {}),
      });
    }
  return {
    trades,
    positions: positions.length,
    input: {
      cycleId: '20261125',
      settlDate: 20261125,
      businessDate: 20261124,
      createdAt: '2026-11-24T22:00:00Z',
      currency: 'USD',
      ccp: { bic: 'CLGWUS33XXX', lei: '5493001KJTIIGC8Y1R12', name: 'Example Clearing Corporation' },
      depository: { bic: 'DPSTUS33XXX', name: 'Example Depository', safekeepingAccount: 'CNS-0001' },
      members,
      securities,
      positions,
    },
  };
}

const mb = (b: number): number => Math.round(b / 1e4) / 100;

/** CPU ms of this process (user + system) and of its waited-for children (xmllint), from /proc (Linux). */
function cpuMs(): { self: number; children: number } {
  const u = process.cpuUsage();
  let children = 0;
  try {
    const f = fs.readFileSync('/proc/self/stat', 'utf8');
    const rest = f.slice(f.lastIndexOf(')') + 2).split(' '); // fields from 3 (state) on
    children = ((Number(rest[13]) + Number(rest[14])) * 1000) / 100; // cutime + cstime, USER_HZ = 100
  } catch {
    children = NaN;
  }
  return { self: (u.user + u.system) / 1000, children };
}

function result(name: string, impl: string, samples: number[], extra: Record<string, number | string>): Result {
  const r = summarise(name, impl, 'ms', samples);
  r.extra = extra;
  return r;
}

let data: Generated | undefined;
const get = (): Generated => (data ??= generate(TRADES));

function sizes(files: { path: string; bytes: number }[]): Record<string, number> {
  const by = (pre: string): number => files.filter((f) => f.path.startsWith(pre)).reduce((n, f) => n + f.bytes, 0);
  return {
    totalMB: mb(files.reduce((n, f) => n + f.bytes, 0)),
    sese023MB: mb(by('sese.023/')),
    secl010MB: mb(by('secl.010/')),
    cnsCsvMB: mb(by('cns-obligations.csv')),
    cnsJsonMB: mb(by('cns-obligations.json')),
    moneyKB: Math.round((by('money-summary.') / 1024) * 10) / 10,
    files: files.length,
  };
}

export const cases: Case[] = [
  {
    name: 'settlement.compute',
    impl: 'ts',
    run(): Result {
      const g = get();
      const samples: number[] = [];
      let obligations = 0;
      let instructions = 0;
      for (let i = 0; i < RUNS; i++) {
        const t0 = performance.now();
        const c = computeCycle(g.input);
        samples.push(performance.now() - t0);
        obligations = c.obligations.length;
        instructions = c.instructionCount;
      }
      return result('settlement.compute', 'ts', samples, { members: MEMBERS, securities: SECURITIES, trades: g.trades, positions: g.positions, obligations, instructions });
    },
  },
  {
    name: 'settlement.close.write',
    impl: 'ts',
    async run(): Promise<Result> {
      const g = get();
      const samples: number[] = [];
      const writeMs: number[] = [];
      const cpu: number[] = [];
      let extra: Record<string, number | string> = {};
      for (let i = 0; i < RUNS; i++) {
        const out = fs.mkdtempSync(path.join(BASE, 'settlement-bench-'));
        try {
          const c0 = cpuMs();
          const r = await closeCycle(g.input, out, { validate: false });
          const c1 = cpuMs();
          samples.push(r.timings.totalMs);
          writeMs.push(r.timings.writeMs);
          cpu.push(c1.self - c0.self);
          extra = { ...sizes(r.files), obligations: r.obligations, instructions: r.instructions };
        } finally {
          fs.rmSync(out, { recursive: true, force: true });
        }
      }
      extra['writeMsMedian'] = summarise('', '', '', writeMs).median;
      extra['cpuMsMedian'] = summarise('', '', '', cpu).median;
      return result('settlement.close.write', 'ts', samples, extra);
    },
  },
  {
    name: 'settlement.validate',
    impl: 'xmllint',
    async run(): Promise<Result> {
      const g = get();
      const out = fs.mkdtempSync(path.join(BASE, 'settlement-bench-'));
      const schemas = new SchemaSet(XSD);
      const samples: number[] = [];
      const cpu: number[] = [];
      let bytes = 0;
      try {
        const r = await closeCycle(g.input, out, { validate: false });
        const xml = r.files.filter((f) => f.path.endsWith('.xml'));
        bytes = xml.reduce((n, f) => n + f.bytes, 0);
        for (let i = 0; i < VALIDATE_RUNS; i++) {
          const q = new ValidationQueue(r.dir);
          const c0 = cpuMs();
          const t0 = performance.now();
          for (const f of xml) await q.add(schemas.envelope(f.path.startsWith('secl') ? 'secl010' : 'sese023'), f.path, f.bytes);
          const bad = await q.finish();
          samples.push(performance.now() - t0);
          cpu.push(cpuMs().children - c0.children);
          if (bad.length > 0) throw new Error(`invalid: ${bad[0]!.file}: ${bad[0]!.error}`);
        }
      } finally {
        schemas.dispose();
        fs.rmSync(out, { recursive: true, force: true });
      }
      const med = summarise('', '', '', samples).median;
      const cpuMed = summarise('', '', '', cpu).median;
      return result('settlement.validate', 'xmllint', samples, {
        xmlMB: mb(bytes),
        MBperSec: Math.round(bytes / 1e3 / med),
        processes: os.availableParallelism(),
        xmllintCpuMs: cpuMed,
        MBperCpuSec: Math.round(bytes / 1e3 / cpuMed),
      });
    },
  },
  {
    name: 'settlement.close.sample',
    impl: 'ts+xmllint',
    async run(): Promise<Result> {
      const g = get();
      const samples: number[] = [];
      const sample: number[] = [];
      let extra: Record<string, number | string> = {};
      for (let i = 0; i < RUNS; i++) {
        const out = fs.mkdtempSync(path.join(BASE, 'settlement-bench-'));
        try {
          const r = await closeCycle(g.input, out, { validate: 'sample', xsdDir: XSD });
          samples.push(r.timings.totalMs);
          sample.push(r.timings.sampleValidateMs);
          extra = { totalMB: sizes(r.files).totalMB, instructions: r.instructions };
        } finally {
          fs.rmSync(out, { recursive: true, force: true });
        }
      }
      extra['sampleValidateMsMedian'] = summarise('', '', '', sample).median;
      return result('settlement.close.sample', 'ts+xmllint', samples, extra);
    },
  },
  {
    name: 'settlement.close.validate',
    impl: 'ts+xmllint',
    async run(): Promise<Result> {
      const g = get();
      const samples: number[] = [];
      const waits: number[] = [];
      let extra: Record<string, number | string> = {};
      for (let i = 0; i < VALIDATE_RUNS; i++) {
        const out = fs.mkdtempSync(path.join(BASE, 'settlement-bench-'));
        try {
          const r = await closeCycle(g.input, out, { validate: true, xsdDir: XSD });
          samples.push(r.timings.totalMs);
          waits.push(r.timings.validateWaitMs);
          extra = { totalMB: sizes(r.files).totalMB, instructions: r.instructions };
        } finally {
          fs.rmSync(out, { recursive: true, force: true });
        }
      }
      extra['validateWaitMsMedian'] = summarise('', '', '', waits).median;
      return result('settlement.close.validate', 'ts+xmllint', samples, extra);
    },
  },
];
