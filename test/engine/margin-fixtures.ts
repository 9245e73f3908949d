/**
 * Small reference data builders for the margin and collateral tests (not a test file itself).
 * ISINs and LEIs here are labels only: the margin and collateral books do not validate them.
 */
import type { Isin, Lei, MemberId } from '../../src/codec/ids.js';
import type { AssetClass, EngineConfig, RefData, SecurityDef } from '../../src/engine/types.js';

export const USD = 1_000_000_000; // one dollar at 10^-9

export interface SecSpec {
  isin: string;
  assetClass: AssetClass;
  /** System price, 10^-9. */
  price: number;
  /** Closes at 10^-9, one per history date; omitted = no history. */
  closes?: number[];
}

export function security(spec: SecSpec): SecurityDef {
  return {
    isin: spec.isin as Isin,
    symbol: spec.isin.slice(0, 4),
    currency: 'USD',
    assetClass: spec.assetClass,
    lotSize: 1,
    price: spec.price,
    depositoryEligible: true,
    priceBandBps: 0,
  };
}

export function refData(
  secs: SecSpec[],
  members: number,
  dates: number[],
  collateral: RefData['collateral'] = {
    haircutBps: { cash: 0, govt: 200, equity: 1500, etf: 1000, corp: 800, muni: 600 },
    concentrationLimitBps: 10000,
  },
): RefData {
  const hist = secs.filter((s) => s.closes !== undefined);
  return {
    securities: secs.map(security),
    members: Array.from({ length: members }, (_, i) => ({
      id: `M${i}` as MemberId,
      lei: `LEI${i}` as Lei,
      name: `Member ${i}`,
      accounts: [],
      limits: { grossNotionalPerDay: 10n ** 18n, netPositionPerSecurity: 1e15, exposureOverCollateral: 0n },
      active: true,
    })),
    calendar: { holidays: [], settlementCycleDays: 1 },
    scenarios: { dates, isins: hist.map((s) => s.isin as Isin), closes: hist.map((s) => s.closes!) },
    collateral,
  };
}

export function config(margin: Partial<EngineConfig['margin']> = {}): EngineConfig {
  return {
    onRiskBreach: 'marginCall',
    margin: { confidenceBps: 9900, mporDays: 2, gapTopN: 2, gapAddOnBps: 150, ...margin },
    unmatchedAgeDays: 3,
  };
}

/** Business dates for `n` history days (labels only). */
export function dates(n: number): number[] {
  return Array.from({ length: n }, (_, i) => 20260105 + i);
}

/** Deterministic PRNG (mulberry32) for seeded random tests and the benchmark. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
