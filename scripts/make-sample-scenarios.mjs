#!/usr/bin/env node
/**
 * Writes refdata/scenarios.csv: a SYNTHETIC history of daily closes for every security of
 * refdata/securities.csv, the price scenarios of the sample margin (historical-simulation VaR).
 *
 *   node scripts/make-sample-scenarios.mjs           # (re)write refdata/scenarios.csv
 *   node scripts/make-sample-scenarios.mjs --check   # exit 1 if the committed file differs
 *
 * Model: a geometric random walk per security, correlated through one market factor:
 *   r_i,d = sigma_i * v_d * (rho_i * m_d + sqrt(1 - rho_i^2) * e_i,d),   sigma_i = annual vol / sqrt(252)
 * m and e are standard normals (Irwin-Hall: sum of 12 uniforms - 6), v_d = 2.5 on about 4% of days
 * (market-wide stress days, for fatter tails), else 1. The walk runs BACKWARDS from the system price
 * in securities.csv (P_d-1 = P_d / (1 + r_d)), so the last close equals that price. Closes are
 * rounded to cents (equities, ETFs) or to 1/128 of a point (Treasury notes, as quoted: 32nds and
 * fractions), both exact in decimal.
 *
 * Deterministic: a seeded 32-bit PRNG (mulberry32) and only IEEE-754 +, -, *, / and sqrt, which are
 * correctly rounded everywhere, so every machine writes the same bytes. The dates are the DAYS
 * trading days of refdata/calendar.json ending on END.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIR = path.join(ROOT, 'refdata');
const OUT = path.join(DIR, 'scenarios.csv');
const SEED = 0x5eed2026;
const END = '2026-11-23';
const DAYS = 260;
const STRESS_PROBABILITY = 0.04;
const STRESS_VOL = 2.5;

/** Annual volatility and correlation to the market factor, by symbol; else by asset class. */
const VOL = {
  AAPL: [0.28, 0.65], MSFT: [0.25, 0.7], AMZN: [0.32, 0.65], GOOGL: [0.3, 0.6], NVDA: [0.5, 0.6], META: [0.38, 0.6],
  TSLA: [0.6, 0.45], JPM: [0.24, 0.6], JNJ: [0.17, 0.35], XOM: [0.24, 0.4], PG: [0.17, 0.35], V: [0.21, 0.6],
  'BRK.B': [0.18, 0.65], WMT: [0.2, 0.4], KO: [0.16, 0.35], CSCO: [0.24, 0.55], BAC: [0.28, 0.6],
  SPY: [0.17, 0.98], QQQ: [0.22, 0.92], IWM: [0.23, 0.85],
  'T 3 7/8 11/30/27': [0.03, -0.2], 'T 4 1/2 11/15/33': [0.065, -0.25],
};
const BY_CLASS = { equity: [0.3, 0.55], etf: [0.18, 0.9], govt: [0.05, -0.2], corp: [0.08, 0.2], muni: [0.06, 0.1] };

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function readSecurities() {
  const lines = fs.readFileSync(path.join(DIR, 'securities.csv'), 'utf8').split('\n').filter((l) => l.trim() !== '');
  const head = lines.shift().split(',');
  const col = (n) => head.indexOf(n);
  return lines.map((l) => {
    const f = l.split(',');
    return { isin: f[col('isin')], symbol: f[col('symbol')], assetClass: f[col('assetClass')], price: f[col('price')] };
  });
}

/** The `n` trading days (yyyy-mm-dd, ascending) ending on `end` (weekdays that are not market holidays). */
function tradingDays(end, n) {
  const cal = JSON.parse(fs.readFileSync(path.join(DIR, 'calendar.json'), 'utf8'));
  const holidays = new Set(cal.holidays);
  const days = [];
  const d = new Date(`${end}T00:00:00Z`);
  while (days.length < n) {
    const iso = d.toISOString().slice(0, 10);
    const wd = d.getUTCDay();
    if (wd !== 0 && wd !== 6 && !holidays.has(iso)) days.push(iso);
    d.setUTCDate(d.getUTCDate() - 1);
  }
  if (days[0] !== end) throw new Error(`END ${end} is not a trading day of refdata/calendar.json`);
  return days.reverse();
}

/** Price text: cents for equities and ETFs; 1/128 of a point for govt, trailing zeros trimmed to 2 decimals. */
function format(p, assetClass) {
  if (assetClass !== 'govt') return (Math.round(p * 100) / 100).toFixed(2);
  return (Math.round(p * 128) / 128).toFixed(7).replace(/0{1,5}$/, '');
}

function generate() {
  const secs = readSecurities();
  const dates = tradingDays(END, DAYS);
  const rnd = mulberry32(SEED);
  const normal = () => {
    let s = 0;
    for (let i = 0; i < 12; i++) s += rnd();
    return s - 6;
  };
  const params = secs.map((s) => {
    const [vol, rho] = VOL[s.symbol] ?? BY_CLASS[s.assetClass] ?? BY_CLASS.equity;
    return { sigma: vol / Math.sqrt(252), rho, idio: Math.sqrt(1 - rho * rho) };
  });
  // closes[i][d], filled from the last day (the system price) backwards.
  const closes = secs.map(() => new Array(dates.length));
  const level = secs.map((s) => Number(s.price));
  secs.forEach((s, i) => (closes[i][dates.length - 1] = s.price));
  for (let d = dates.length - 1; d > 0; d--) {
    const v = rnd() < STRESS_PROBABILITY ? STRESS_VOL : 1;
    const m = normal();
    secs.forEach((s, i) => {
      const p = params[i];
      const r = p.sigma * v * (p.rho * m + p.idio * normal());
      level[i] = level[i] / (1 + r);
      closes[i][d - 1] = format(level[i], s.assetClass);
    });
  }
  const rows = [['date', ...secs.map((s) => s.isin)].join(',')];
  dates.forEach((date, d) => rows.push([date, ...secs.map((_, i) => closes[i][d])].join(',')));
  return rows.join('\n') + '\n';
}

const text = generate();
if (process.argv.includes('--check')) {
  const committed = fs.existsSync(OUT) ? fs.readFileSync(OUT, 'utf8') : '';
  if (committed !== text) {
    console.error(`${path.relative(ROOT, OUT)} differs from what scripts/make-sample-scenarios.mjs generates; run it and commit the result`);
    process.exit(1);
  }
  console.log(`${path.relative(ROOT, OUT)} is up to date`);
} else {
  fs.writeFileSync(OUT, text);
  console.log(`wrote ${path.relative(ROOT, OUT)}: ${text.split('\n').length - 2} days`);
}
