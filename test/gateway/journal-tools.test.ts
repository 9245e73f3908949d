import test from 'ava';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { GatewayError } from '../../src/codec/errors.js';
import { crc32c } from '../../src/journal/crc32c.js';
import { Journal, listSegments, defaultFs, RT_ENGINE, RT_INBOUND, RT_OUTBOUND, RT_SESSION } from '../../src/journal/journal.js';
import { JournalSessionStore } from '../../src/journal/session-store.js';
import { LogoutReason } from '../../src/session/store.js';
import { MessageHeaderEncoder } from '../../src/generated/gateway-internal/MessageHeader.js';
import { PositionChangedEncoder } from '../../src/generated/gateway-internal/PositionChanged.js';
import { MarginCalculatedEncoder } from '../../src/generated/gateway-internal/MarginCalculated.js';
import { CollateralMovedEncoder } from '../../src/generated/gateway-internal/CollateralMoved.js';
import { TradeStageChangedEncoder } from '../../src/generated/gateway-internal/TradeStageChanged.js';
import { TradeStage } from '../../src/generated/gateway-internal/TradeStage.js';
import { MarginAmtType } from '../../src/generated/gateway-internal/MarginAmtType.js';
import { CollateralDirection } from '../../src/generated/gateway-internal/CollateralDirection.js';
import { CollateralKind } from '../../src/generated/gateway-internal/CollateralKind.js';
import { parseLocalMktDate } from '../../src/codec/timestamp.js';
import {
  decodeRecord,
  fixText,
  journalDumpCommand,
  journalReplayCommand,
  journalVerifyCommand,
  replayJournal,
  scanJournal,
  type ToolIo,
} from '../../src/gateway/journal-tools.js';

const created: string[] = [];
process.on('exit', () => {
  for (const d of created) fs.rmSync(d, { recursive: true, force: true });
});

function tmpDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'journal-tools-test-'));
  created.push(d);
  return d;
}

const SOH = '\x01';
function fix(fields: [number, string][]): Uint8Array {
  const body = fields.map(([t, v]) => `${t}=${v}${SOH}`).join('');
  const head = `8=FIX.4.4${SOH}9=${body.length}${SOH}`;
  let sum = 0;
  for (const c of Buffer.from(head + body, 'latin1')) sum += c;
  return Buffer.from(`${head}${body}10=${String(sum % 256).padStart(3, '0')}${SOH}`, 'latin1');
}

function io(): ToolIo & { lines: string[]; errs: string[] } {
  const lines: string[] = [];
  const errs: string[] = [];
  return { lines, errs, out: (l) => void lines.push(l), err: (l) => void errs.push(l), progressStream: { isTTY: false, write: () => true } };
}

const SESSION = 7;
const NULL_SESSION = 0xffffffff;
const scratch = Buffer.alloc(4096);
const hdr = new MessageHeaderEncoder();

function positionChanged(member: string, isin: string, settl: string, qty: bigint, money: bigint, tradeId: number): Uint8Array {
  const e = new PositionChangedEncoder().wrapAndApplyHeader(scratch, 0, hdr);
  e.timestampNs(1714564800123456789n).tradeIdAsNumber(tradeId).settlDate(parseLocalMktDate(settl)).memberId(member).securityId(isin);
  e.netQty().mantissa(qty);
  e.netMoney().amount().mantissa(money);
  e.netMoney().currency('USD');
  return Buffer.from(scratch.subarray(0, 8 + e.encodedLength()));
}

function marginCalculated(): Uint8Array {
  const e = new MarginCalculatedEncoder().wrapAndApplyHeader(scratch, 0, hdr);
  e.timestampNs(1714564800000000000n).clearingBusinessDate(parseLocalMktDate('20240501')).memberId('MBRA').currency('USD');
  e.totalRequirement().mantissa(1_234_567_8901n);
  e.collateralValue().mantissa(1_000_000_0000n);
  e.excessDeficit().mantissa(-234_567_8901n);
  const g = e.accountsCount(1).next();
  g.requirement().mantissa(1_234_567_8901n);
  g.account('HOUSE');
  const c = g.componentsCount(2);
  c.next().marginAmtType(MarginAmtType.InitialMargin).amount().mantissa(1_000_000_0000n);
  c.next().marginAmtType(MarginAmtType.VariationMargin).amount().mantissa(234_567_8901n);
  return Buffer.from(scratch.subarray(0, 8 + e.encodedLength()));
}

function collateralMoved(): Uint8Array {
  const e = new CollateralMovedEncoder().wrapAndApplyHeader(scratch, 0, hdr);
  e.timestampNs(1714564800000000001n).direction(CollateralDirection.Deposit).kind(CollateralKind.Cash).memberId('MBRB').movementId('MOV-1');
  e.quantity().mantissa(-9223372036854775808n); // null: cash
  e.valueAfterHaircut().mantissa(5_000_000_0000n);
  e.amount().amount().mantissa(5_000_000_0000n);
  e.amount().currency('USD');
  return Buffer.from(scratch.subarray(0, 8 + e.encodedLength()));
}

function stageChanged(tradeId: number): Uint8Array {
  const e = new TradeStageChangedEncoder().wrapAndApplyHeader(scratch, 0, hdr);
  e.tradeIdAsNumber(tradeId).timestampNs(1714564800000000002n).stage(TradeStage.Netted).previousStage(TradeStage.Novated).reasonCode(65535);
  return Buffer.from(scratch.subarray(0, 8 + e.encodedLength()));
}

interface Written {
  dir: string;
  positions: number[];
  types: number[];
  endPosition: number;
}

/** A journal with every record kind; `extraInbound` more inbound messages (to span segments / pass the window). */
async function writeJournal(o: { segmentBytes?: number; extraInbound?: number } = {}): Promise<Written> {
  const dir = tmpDir();
  const store = JournalSessionStore.open({ dir, durability: 'os', segmentBytes: o.segmentBytes ?? 1 << 20, bufferBytes: 4096, sessionIds: { S1: SESSION } });
  const j = store.journal;
  const positions: number[] = [];
  const types: number[] = [];
  const add = (p: number, t: number): void => {
    positions.push(p);
    types.push(t);
  };
  add(store.recordLogon('S1', { connectionId: 3, heartBtInt: 30, nextSenderSeq: 1, nextTargetSeq: 1, beginString: 'FIX.4.4', theirCompId: 'MEMBER1', ourCompId: 'CCP', member: 'MBRA' }), RT_SESSION);
  const logon = fix([[35, 'A'], [49, 'MEMBER1'], [56, 'CCP'], [34, '1'], [98, '0'], [108, '30'], [553, 'ops1'], [554, '********']]);
  add(store.appendInbound('S1', 1, 'A', logon, 0, logon.length), RT_INBOUND);
  const tcr = fix([[35, 'AE'], [49, 'MEMBER1'], [56, 'CCP'], [34, '2'], [571, 'T-1'], [48, 'US0378331005'], [32, '100'], [31, '185.125']]);
  const inPos = store.appendInbound('S1', 2, 'AE', tcr, 0, tcr.length);
  add(inPos, RT_INBOUND);
  add(j.appendRaw(RT_ENGINE, NULL_SESSION, stageChanged(1), 0, stageChanged(1).length), RT_ENGINE);
  const pc = positionChanged('MBRA', 'US0378331005', '20240503', -100n, 9223372036854775807n, 1);
  add(j.appendRaw(RT_ENGINE, NULL_SESSION, pc, 0, pc.length), RT_ENGINE);
  const mc = marginCalculated();
  add(j.appendRaw(RT_ENGINE, NULL_SESSION, mc, 0, mc.length), RT_ENGINE);
  const cm = collateralMoved();
  add(j.appendRaw(RT_ENGINE, NULL_SESSION, cm, 0, cm.length), RT_ENGINE);
  const ar = fix([[35, 'AR'], [49, 'CCP'], [56, 'MEMBER1'], [34, '1'], [571, 'T-1'], [939, '0']]);
  add(store.appendOutbound('S1', 1, 'AR', ar, 0, ar.length, inPos), RT_OUTBOUND);
  for (let i = 0; i < (o.extraInbound ?? 0); i++) {
    const m = fix([[35, 'AE'], [49, 'MEMBER1'], [56, 'CCP'], [34, String(3 + i)], [571, `T-${i + 2}`], [58, 'x'.repeat(100 + (i % 50))]]);
    add(store.appendInbound('S1', 3 + i, 'AE', m, 0, m.length), RT_INBOUND);
  }
  add(store.reset('S1', 1, 1), RT_SESSION); // two records: outbound and inbound reset
  types.splice(types.length - 1, 0, RT_SESSION);
  positions.splice(positions.length - 1, 0, -1); // the first reset record's position (filled below)
  add(store.recordLogout('S1', LogoutReason.Normal, 'bye now'), RT_SESSION);
  const endPosition = j.endPosition();
  await store.close();
  return { dir, positions, types, endPosition };
}

/** What Journal.open visits on a copy of `dir` (the reference reader), and its recovery report. */
function referenceRead(dir: string, bufferBytes = 4096, segmentBytes?: number): { visited: { rt: number; sid: number; pos: number; hash: string }[]; report: Journal['report'] } | { error: GatewayError } {
  const copy = tmpDir();
  for (const f of fs.readdirSync(dir)) fs.copyFileSync(path.join(dir, f), path.join(copy, f));
  const visited: { rt: number; sid: number; pos: number; hash: string }[] = [];
  try {
    const j = Journal.open({ dir: copy, durability: 'os', bufferBytes, segmentBytes: segmentBytes ?? fs.statSync(path.join(copy, fs.readdirSync(copy)[0]!)).size }, (rt, sid, pos, buf, off, len) => {
      visited.push({ rt, sid, pos, hash: crypto.createHash('sha1').update(buf.subarray(off, off + len)).digest('hex') });
    });
    const report = j.report;
    void j.close();
    return { visited, report };
  } catch (e) {
    return { error: e as GatewayError };
  }
}

function dirHash(dir: string): string {
  const h = crypto.createHash('sha256');
  for (const f of fs.readdirSync(dir).sort()) {
    h.update(f);
    h.update(fs.readFileSync(path.join(dir, f)));
  }
  return h.digest('hex');
}

test('verify on a clean journal: records by type, first/last position, exit 0; plain lines and --json', async (t) => {
  const w = await writeJournal();
  const r = scanJournal(w.dir);
  t.is(r.status, 'clean');
  t.is(r.exitCode, 0);
  t.deepEqual(r.byType, { padding: 0, inbound: 2, outbound: 1, engine: 4, session: 4 });
  t.is(r.records, 11);
  t.is(r.firstPosition, 0);
  t.is(r.lastPosition, w.positions[w.positions.length - 1]);
  t.is(r.endPosition, w.endPosition);
  t.is(r.crcFailureCount, 0);
  t.is(r.tornTail, null);
  t.is(r.corruption, null);

  const plain = io();
  t.is(journalVerifyCommand(w.dir, {}, plain), 0);
  t.true(plain.lines.some((l) => l === 'records: 11 (inbound 2, outbound 1, engine 4, session 4, padding 0)'), plain.lines.join('\n'));
  t.true(plain.lines.some((l) => l.startsWith(`positions: first 0, last ${r.lastPosition}, end ${w.endPosition}`)));
  t.regex(plain.lines[plain.lines.length - 1]!, /^status: clean \(exit 0\)/);

  const json = io();
  t.is(journalVerifyCommand(w.dir, { json: true }, json), 0);
  t.is(json.lines.length, 1);
  const parsed = JSON.parse(json.lines[0]!);
  t.is(parsed.status, 'clean');
  t.is(parsed.byType.engine, 4);
});

test('replay visits exactly what Journal.open visits, in order, with the same bytes (several segments, padding)', async (t) => {
  const w = await writeJournal({ segmentBytes: 8192, extraInbound: 120 });
  const segs = listSegments(defaultFs, w.dir);
  t.true(segs.length >= 4, `${segs.length} segments`);
  const ref = referenceRead(w.dir, 4096, 8192);
  if ('error' in ref) return t.fail(ref.error.message);
  const seen: { rt: number; sid: number; pos: number; hash: string }[] = [];
  const res = replayJournal(w.dir, (rt, sid, pos, buf, off, len) => {
    seen.push({ rt, sid, pos, hash: crypto.createHash('sha1').update(buf.subarray(off, off + len)).digest('hex') });
  });
  t.deepEqual(seen, ref.visited);
  t.is(res.records, ref.visited.length);
  t.is(res.report.status, 'clean');
  t.is(res.report.endPosition, ref.report.endPosition);
  t.true(res.report.byType.padding >= segs.length - 1 - 1, 'segments closed by Padding records are counted');
  t.true(Number.isFinite(res.recordsPerSecond) && res.recordsPerSecond >= 0);
  // Inbound sequence of the extra messages, all on the configured session id.
  t.is(seen.filter((s) => s.rt === RT_INBOUND && s.sid === SESSION).length, 122);
});

test('replay command prints records and records/s, with plain progress lines when stderr is not a TTY', async (t) => {
  const w = await writeJournal({ segmentBytes: 8192, extraInbound: 60 });
  const chunks: string[] = [];
  const o = io();
  o.progressStream = { isTTY: false, write: (s: string) => chunks.push(s) };
  o.progressDelayMs = 0;
  t.is(journalReplayCommand(w.dir, {}, o), 0);
  t.is(o.lines.length, 1);
  t.regex(o.lines[0]!, /^journal replay .*: \d+ records \(.*\) in \d+\.\d\d s: .* records\/s, .*\/s; clean$/);
  const text = chunks.join('');
  t.regex(text, /journal replay: 100% /);
  t.regex(text, /journal replay: done, /);
  t.false(text.includes('\r'), 'no control characters in plain mode');
  const j = io();
  t.is(journalReplayCommand(w.dir, { json: true }, j), 0);
  const parsed = JSON.parse(j.lines[0]!);
  t.is(parsed.records, 60 + 11 - 0 /* padding not visited */);
  t.is(parsed.status, 'clean');
});

test('dump decodes every record kind: FIX text with | and 554 masked, exact decimals, dates, flags', async (t) => {
  const w = await writeJournal();
  const o = io();
  t.is(journalDumpCommand(w.dir, {}, o), 0);
  t.is(o.lines.length, 11);
  const [logon, inA, inAE, stage, pos, margin, coll, out, reset1, reset2, logout] = o.lines as [string, string, string, string, string, string, string, string, string, string, string];
  t.regex(logon, /^0 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z session session=7 SessionLogon nextInSeqNum=1 nextOutSeqNum=1 connectionId=3 heartBtInt=30 protocol=Fix44 senderCompID=MEMBER1 targetCompID=CCP member=MBRA$/);
  t.true(inA.includes(' inbound session=7 InboundMessage seq=1 msgType=A '), inA);
  t.true(inA.includes('|553=ops1|554=***|10='), inA);
  t.false(inA.includes('********'));
  t.true(inAE.endsWith('|'), 'SOH shown as |');
  t.true(inAE.includes('8=FIX.4.4|9='), inAE);
  t.true(stage.includes(' engine session=- TradeStageChanged tradeId=1 stage=Netted previousStage=Novated reasonCode=- eventTime=2024-05-01T12:00:00.000000002Z'), stage);
  // int64 max as Money: exact beyond 2^53.
  t.true(pos.includes('PositionChanged member=MBRA security=US0378331005 settlDate=2024-05-03 netQty=-100 netMoney=922337203685477.5807 currency=USD tradeId=1'), pos);
  t.true(margin.includes('MarginCalculated member=MBRA currency=USD businessDate=2024-05-01 totalRequirement=1234567.8901 collateralValue=1000000.0000 excessDeficit=-234567.8901'), margin);
  t.true(margin.includes('accounts=[account:HOUSE requirement:1234567.8901 components:[type:InitialMargin amount:1000000.0000; type:VariationMargin amount:234567.8901]]'), margin);
  t.true(coll.includes('CollateralMoved member=MBRB movementId=MOV-1 direction=Deposit kind=Cash amount=5000000.0000 currency=USD valueAfterHaircut=5000000.0000 quantity=- security=-'), coll);
  t.true(out.includes(' outbound session=7 OutboundMessage seq=1 msgType=AR causePosition=' + String(w.positions[2])), out);
  t.true(reset1.includes('SequenceReset direction=Outbound newSeqNo=1'), reset1);
  t.true(reset2.includes('SequenceReset direction=Inbound newSeqNo=1'), reset2);
  t.true(logout.endsWith(' SessionLogout flags=batchEnd reason=Normal text="bye now"'), 'the last record of the last flushed group carries batchEnd');
});

test('dump --json gives one JSON object per line with exact decimal strings', async (t) => {
  const w = await writeJournal();
  const o = io();
  t.is(journalDumpCommand(w.dir, { json: true, type: 'engine' }, o), 0);
  const recs = o.lines.map((l) => JSON.parse(l));
  t.deepEqual(recs.map((r) => r.message), ['TradeStageChanged', 'PositionChanged', 'MarginCalculated', 'CollateralMoved']);
  t.is(recs[1].netMoney, '922337203685477.5807');
  t.is(recs[1].netQty, '-100');
  t.is(recs[1].session, null);
  t.is(recs[2].accounts[0].components[1].amount, '234567.8901');
  t.is(recs[3].quantity, null);
  const fixJ = io();
  journalDumpCommand(w.dir, { json: true, type: 'inbound', limit: 1 }, fixJ);
  t.is(fixJ.lines.length, 1);
  const inbound = JSON.parse(fixJ.lines[0]!);
  t.is(inbound.seq, 1);
  t.is(inbound.msgType, 'A');
  t.regex(inbound.fix, /\|554=\*\*\*\|/);
});

test('dump filters: --type, --session, --from, --limit; bad --type is a usage error', async (t) => {
  const w = await writeJournal({ extraInbound: 5 });
  const count = (opts: Parameters<typeof journalDumpCommand>[1]): string[] => {
    const o = io();
    t.is(journalDumpCommand(w.dir, opts, o), 0);
    return o.lines;
  };
  t.is(count({ type: 'inbound' }).length, 7);
  t.is(count({ type: 'outbound' }).length, 1);
  t.is(count({ type: 'session' }).length, 4);
  t.is(count({ session: SESSION }).length, 12);
  t.is(count({ session: 99 }).length, 0);
  t.is(count({ limit: 3 }).length, 3);
  const from = w.positions[4]!;
  const fromLines = count({ from });
  t.is(fromLines.length, 16 - 4);
  t.true(fromLines[0]!.startsWith(`${from} `));
  t.is(count({ from: from + 1 })[0]!.split(' ')[0], String(w.positions[5]));
  const bad = io();
  t.is(journalDumpCommand(w.dir, { type: 'trades' }, bad), 2);
  t.regex(bad.errs[0]!, /--type must be one of inbound, outbound, engine, session/);
});

test('fixText masks Password and NewPassword whatever their content, and escapes non-printable bytes', (t) => {
  const raw = Buffer.from(`8=FIX.4.4${SOH}35=A${SOH}554=secret${SOH}925=newsecret${SOH}58=a\tb${SOH}1554=keep${SOH}`, 'latin1');
  t.is(fixText(raw), '8=FIX.4.4|35=A|554=***|925=***|58=a\\x09b|1554=keep|');
  t.is(fixText(Buffer.from(`554=last`, 'latin1')), '554=***');
});

test('torn tail (garbage after the last record): exit 3 with position and bytes; files untouched; agrees with recovery', async (t) => {
  const w = await writeJournal();
  const seg = listSegments(defaultFs, w.dir)[0]!.file;
  const garbage = Buffer.alloc(200, 0xa5);
  const fd = fs.openSync(seg, 'r+');
  fs.writeSync(fd, garbage, 0, garbage.length, w.endPosition);
  fs.closeSync(fd);
  const before = dirHash(w.dir);
  const r = scanJournal(w.dir, { bufferBytes: 4096 });
  t.is(r.status, 'torn-tail');
  t.is(r.exitCode, 3);
  t.deepEqual(r.tornTail, { position: w.endPosition, bytes: 200, records: 0 });
  t.is(r.records, 11);
  t.is(r.stopReason, 'length');
  const o = io();
  t.is(journalVerifyCommand(w.dir, { bufferBytes: 4096 }, o), 3);
  t.true(o.lines.some((l) => l.startsWith(`torn tail at ${w.endPosition} (stopped: length): 200 bytes after the last valid record`)), o.lines.join('\n'));
  t.is(dirHash(w.dir), before, 'verify never writes');
  const dump = io();
  t.is(journalDumpCommand(w.dir, {}, dump), 3);
  t.is(dump.lines.length, 11);
  t.regex(dump.errs[0]!, /torn-tail at \d+/);
  t.is(dirHash(w.dir), before, 'dump never writes');
  const ref = referenceRead(w.dir);
  if ('error' in ref) return t.fail(ref.error.message);
  t.is(ref.report.truncatedAt, r.tornTail!.position);
  t.is(ref.report.discardedBytes, r.tornTail!.bytes);
  t.is(ref.report.discardedRecords, r.tornTail!.records);
});

test('a flipped byte in the last record is a torn tail with the CRC failure listed (expected = stored, found = computed)', async (t) => {
  const w = await writeJournal();
  const seg = listSegments(defaultFs, w.dir)[0]!.file;
  const last = w.positions[w.positions.length - 1]!;
  const bytes = fs.readFileSync(seg);
  const len = bytes.readUInt32LE(last);
  const stored = bytes.readUInt32LE(last + 4);
  bytes[last + len - 1] ^= 0x20; // last byte of the logout text
  const fd = fs.openSync(seg, 'r+');
  fs.writeSync(fd, bytes, last + len - 1, 1, last + len - 1);
  fs.closeSync(fd);
  const rec = Buffer.from(bytes.subarray(last, last + len));
  rec.writeUInt32LE(0, 4);
  const computed = crc32c(rec);
  const r = scanJournal(w.dir, { bufferBytes: 4096 });
  t.is(r.status, 'torn-tail');
  t.is(r.stopReason, 'crc');
  t.deepEqual(r.crcFailures, [{ position: last, length: len, expected: `0x${stored.toString(16).padStart(8, '0')}`, found: `0x${computed.toString(16).padStart(8, '0')}` }]);
  t.is(r.records, 10);
});

test('a flipped byte followed by more than a buffer of valid records is corruption: exit 4, as Journal.open refuses', async (t) => {
  const w = await writeJournal({ extraInbound: 80 }); // ~16 KiB of records after the damage, window 4 KiB
  const seg = listSegments(defaultFs, w.dir)[0]!.file;
  const victim = w.positions[2]!; // the TradeCaptureReport
  const fd = fs.openSync(seg, 'r+');
  const b = Buffer.alloc(1);
  fs.readSync(fd, b, 0, 1, victim + 100);
  b[0] ^= 0x01;
  fs.writeSync(fd, b, 0, 1, victim + 100);
  fs.closeSync(fd);
  const before = dirHash(w.dir);
  const r = scanJournal(w.dir, { bufferBytes: 4096 });
  t.is(r.status, 'corrupt');
  t.is(r.exitCode, 4);
  t.is(r.records, 2, 'the intact part is what precedes the damage');
  t.is(r.endPosition, victim);
  t.is(r.crcFailureCount, 1);
  t.is(r.crcFailures[0]!.position, victim);
  t.is(r.corruption!.position, victim);
  t.is(r.corruption!.recordsAfter, w.positions.length - 3);
  t.is(r.corruption!.validRecordAt, w.positions[w.positions.length - 1]);
  const o = io();
  t.is(journalVerifyCommand(w.dir, { bufferBytes: 4096 }, o), 4);
  t.true(o.lines.some((l) => l.startsWith(`CRC mismatch at ${victim} `)), o.lines.join('\n'));
  t.true(o.lines.some((l) => l.startsWith(`corruption at ${victim} (stopped: crc)`)));
  const json = io();
  t.is(journalVerifyCommand(w.dir, { bufferBytes: 4096, json: true }, json), 4);
  t.is(JSON.parse(json.lines[0]!).crcFailures[0].position, victim);
  t.is(dirHash(w.dir), before);
  const ref = referenceRead(w.dir, 4096);
  t.true('error' in ref && ref.error.code === 'JOURNAL_CORRUPT' && ref.error.context['position'] === victim);
  // With the default window (4 MiB) the same damage reads as a torn tail, as recovery would judge it.
  t.is(scanJournal(w.dir).status, 'torn-tail');
});

test('verify is safe on the directory of an open journal and sees what was flushed', async (t) => {
  const dir = tmpDir();
  const store = JournalSessionStore.open({ dir, durability: 'os', segmentBytes: 1 << 20, bufferBytes: 4096, sessionIds: { S1: SESSION } });
  const m = fix([[35, '0'], [49, 'MEMBER1'], [56, 'CCP'], [34, '1']]);
  for (let i = 1; i <= 50; i++) store.appendInbound('S1', i, '0', m, 0, m.length);
  await store.journal.whenIdle();
  const r = scanJournal(dir);
  t.is(r.status, 'clean');
  t.is(r.byType.inbound, 50);
  store.appendInbound('S1', 51, '0', m, 0, m.length);
  await store.close();
  t.is(scanJournal(dir).byType.inbound, 51);
});

test('usage errors: missing directory is exit 2, an empty directory is a clean empty journal', (t) => {
  const o = io();
  t.is(journalVerifyCommand(path.join(os.tmpdir(), 'no-such-journal-dir-xyz'), {}, o), 2);
  t.regex(o.errs[0]!, /does not exist/);
  const empty = tmpDir();
  const r = scanJournal(empty);
  t.is(r.status, 'clean');
  t.is(r.records, 0);
  t.is(r.lastPosition, -1);
});

test('segment files that are not contiguous are corruption', async (t) => {
  const w = await writeJournal({ segmentBytes: 8192, extraInbound: 60 });
  const segs = listSegments(defaultFs, w.dir);
  fs.unlinkSync(segs[1]!.file);
  const r = scanJournal(w.dir, { segmentBytes: 8192 });
  t.is(r.exitCode, 4);
  t.regex(r.corruption!.problem!, /not contiguous/);
});

test('decodeRecord reports an undecodable body instead of throwing', (t) => {
  const rec = Buffer.alloc(48);
  rec.writeUInt32LE(48, 0);
  rec.writeUInt16LE(RT_ENGINE, 24);
  rec.writeUInt32LE(NULL_SESSION, 28);
  // Message header claims PositionChanged (template 31, schema 601) with a block longer than the record.
  rec.writeUInt16LE(60, 32);
  rec.writeUInt16LE(31, 34);
  rec.writeUInt16LE(601, 36);
  rec.writeUInt16LE(2, 38);
  const d = decodeRecord(rec, 0, 48);
  t.is(d.type, 'engine');
  t.regex(String(d.fields['error']), /^undecodable body/);
});

test('decodeRecord marks the business-date marker (MarginCalculated without a member, clearing-journal.ts)', (t) => {
  const e = new MarginCalculatedEncoder().wrapAndApplyHeader(scratch, 0, hdr);
  e.timestampNs(1n).clearingBusinessDate(parseLocalMktDate('20240502')).memberId('').currency('USD');
  e.accountsCount(0);
  const body = 8 + e.encodedLength();
  const rec = Buffer.alloc(32 + body);
  rec.writeUInt32LE(32 + body, 0);
  rec.writeUInt16LE(RT_ENGINE, 24);
  scratch.copy(rec, 32, 0, body);
  const d = decodeRecord(rec, 0, rec.length);
  t.is(d.message, 'MarginCalculated');
  t.is(d.fields['marker'], 'businessDate');
  t.is(d.fields['businessDate'], '2024-05-02');
  t.is(d.session, 0);
});

test('dump --from in a later segment starts at the first record at or after the position', async (t) => {
  const w = await writeJournal({ segmentBytes: 8192, extraInbound: 120 });
  const all: number[] = [];
  replayJournal(w.dir, (_rt, _sid, pos) => void all.push(pos));
  const from = 3 * 8192 + 100;
  const first = all.find((p) => p >= from)!;
  const o = io();
  t.is(journalDumpCommand(w.dir, { from, limit: 2 }, o), 0);
  t.is(o.lines.length, 2);
  t.is(o.lines[0]!.split(' ')[0], String(first));
  t.is(o.lines[1]!.split(' ')[0], String(all[all.indexOf(first) + 1]));
});

test('stdout closed early (`journal dump | head -1`): the dump stops quietly with exit 0', async (t) => {
  const w = await writeJournal({ extraInbound: 3000 }); // ~700 KB of lines: more than a pipe holds
  const tools = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/gateway/journal-tools.js');
  const child = spawn(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(tools)}); process.exitCode = m.journalDumpCommand(${JSON.stringify(w.dir)}, {});`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d.toString()));
  let first = '';
  child.stdout.once('data', (d) => {
    first = d.toString().split('\n')[0]!;
    child.stdout.destroy();
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  t.regex(first, /^0 \S+ session session=7 SessionLogon /);
  t.is(stderr, '');
  t.is(code, 0);
});
