/**
 * FIX framing + indexing from JS on the canonical messages (perf/corpus/tcr.fix, 226-byte
 * TradeCaptureReport with nested groups; perf/corpus/nos.fix, 186-byte NewOrderSingle), peers in the
 * same run:
 *   ts            src/fix/framer.ts: frame + index + read a few fields (MsgType, MsgSeqNum, a price
 *                 and, for the TCR, every side's Side), one message per push() as off a socket.
 *   native-batch  fixFrameBatch (the C framer through one N-API call) over 256 concatenated messages,
 *                 ns per message; only when the addon has it (GATEWAY_ADDON honoured).
 *   jspurefix     5.11.4 AsciiParser (tokenise, structure, view) with our QuickFIX dictionary, one
 *                 message per parseBuffer.
 *   fixparser     5.7.7 FIXParser.parse of the message text (proprietary: benchmark peer only).
 * The goal: native-batch >= 40x faster than jspurefix.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FixFramer, type FixSink } from '../../src/fix/framer.js';
import { FixGroup, type FixMessage } from '../../src/fix/message.js';
import { loadAddon } from '../../src/native/addon.js';
import { jspurefix } from '../../test/helpers/fix-oracles.js';
import { type Case, type Result, summarise, timeNs } from '../harness.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const read = (name: string): Uint8Array => new Uint8Array(fs.readFileSync(path.join(ROOT, 'perf', 'corpus', name)));
const MESSAGES = { tcr: read('tcr.fix'), nos: read('nos.fix') } as const;
type Name = keyof typeof MESSAGES;

let sink = 0;

// ---- ts
const sides = new FixGroup();
const framer = new FixFramer();
const readFields: FixSink = {
  onMessage(v: FixMessage): void {
    let s = (v.msgTypeLength + v.getInt(34) + v.getDecimal(44, -4) + v.getDecimal(31, -4)) | 0;
    for (v.group(552, sides); sides.next(); ) s = (s + sides.getInt(54)) | 0;
    sink = (sink + s) | 0;
  },
  onGarbled(): void {
    sink = (sink + 1000) | 0;
  },
};

function ts(name: Name): Result {
  const msg = MESSAGES[name];
  return timeNs(`fix.index.${name}`, 'ts', () => framer.push(msg, readFields), 200_000);
}

// ---- native-batch
interface FixBatch {
  fixFrameBatch?: (input: Uint8Array, output: Uint8Array, state: Uint32Array) => number;
}
const BATCH = 256;

function nativeBatch(name: Name): Result {
  let addon: FixBatch;
  try {
    addon = loadAddon() as unknown as FixBatch;
  } catch (e) {
    return skipped(name, 'native-batch', `addon not loadable: ${(e as Error).message}`);
  }
  const fn = addon.fixFrameBatch;
  if (typeof fn !== 'function') return skipped(name, 'native-batch', 'addon has no fixFrameBatch');
  const msg = MESSAGES[name];
  const input = new Uint8Array(msg.length * BATCH);
  for (let i = 0; i < BATCH; i++) input.set(msg, i * msg.length);
  const output = new Uint8Array(BATCH * (32 + 16 + 64 * 16 + msg.length + 8));
  const state = new Uint32Array(2);
  if (fn(input, output, state) !== BATCH || state[0] !== input.length) throw new Error(`fixFrameBatch did not frame ${BATCH} ${name} messages`);
  const r = timeNs(`fix.index.${name}`, 'native-batch', () => (sink = (sink + fn(input, output, state)) | 0), 5_000);
  // timeNs measured one call per op: per message
  const per = (x: number): number => Math.round((x / BATCH) * 100) / 100;
  return { ...r, median: per(r.median), min: per(r.min), max: per(r.max), extra: { batch: BATCH } };
}

// ---- jspurefix
async function jsp(name: Name): Promise<Result> {
  const oracle = await jspurefix('FIX.4.4');
  const buf = Buffer.from(MESSAGES[name]);
  let count = 0;
  oracle.parser.on('msg', () => void count++);
  const r = timeNs(`fix.index.${name}`, 'jspurefix', () => oracle.parser.parseBuffer(buf), 50_000);
  if (count === 0) throw new Error('jspurefix parsed nothing');
  return r;
}

// ---- fixparser
async function fixparser(name: Name): Promise<Result> {
  const modName = 'fixparser';
  const mod = (await import(modName)) as { FIXParser: new () => { parse(s: string): unknown[] } };
  const p = new mod.FIXParser();
  const text = Buffer.from(MESSAGES[name]).toString('latin1');
  if (p.parse(text).length !== 1) throw new Error('fixparser parsed nothing');
  return timeNs(`fix.index.${name}`, 'fixparser', () => (sink = (sink + p.parse(text).length) | 0), 20_000);
}

function skipped(name: Name, impl: string, why: string): Result {
  const r = summarise(`fix.index.${name}`, impl, 'ns/msg', [NaN]);
  r.extra = { skipped: why };
  return r;
}

export const cases: Case[] = (['tcr', 'nos'] as const).flatMap((name): Case[] => [
  { name: `fix.index.${name}`, impl: 'ts', run: () => ts(name) },
  { name: `fix.index.${name}`, impl: 'native-batch', run: () => nativeBatch(name) },
  { name: `fix.index.${name}`, impl: 'jspurefix', run: () => jsp(name) },
  { name: `fix.index.${name}`, impl: 'fixparser', run: () => fixparser(name) },
]);
