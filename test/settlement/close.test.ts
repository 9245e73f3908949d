/**
 * Cycle close: files and their exact content for the worked cycle, byte-identical re-runs, refusal to
 * overwrite, nothing written for a refused cycle, every XML file valid against the ISO 20022 XSDs
 * (xmllint, many files per call; AppHdr and Document also each alone against their own XSD), and
 * `validate` stopping an invalid cycle before it is published.
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DOMParser, XMLSerializer } from '@xmldom/xmldom';
import { isGatewayError } from '../../src/codec/errors.js';
import { closeCycle, sampleShapes, CYCLE_FILES } from '../../src/settlement/close.js';
import { computeCycle } from '../../src/settlement/compute.js';
import { readCycleReport } from '../../src/settlement/reports.js';
import { SettlementErrorCode } from '../../src/settlement/types.js';
import { NS } from '../../src/settlement/xml.js';
import { SchemaSet, runXmllint, xmllintAvailable } from '../../src/settlement/xmllint.js';
import { refdata } from '../helpers/refdata.js';
import { AAPL, MSFT, workedCycle } from './worked-cycle.js';

const XSD = refdata('iso20022', 'xsd');

function tmpDir(t: { teardown(f: () => void): void }): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'settlement-test-'));
  t.teardown(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

/** Every file under `dir`, relative, sorted. */
function listFiles(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(dir, p));
    else out.push(p);
  }
  return out.sort();
}

test('close writes the documented files; CSV content is the hand-computed report', async (t) => {
  const out = tmpDir(t);
  const r = await closeCycle(workedCycle(), out, { xsdDir: XSD });
  const dir = path.join(out, '20261125');
  t.is(r.dir, dir);
  t.deepEqual(listFiles(dir), [
    'cns-obligations.csv',
    'cns-obligations.json',
    'manifest.json',
    'money-summary.csv',
    'money-summary.json',
    'secl.010/MBRA.xml',
    'secl.010/MBRB.xml',
    'secl.010/MBRC.xml',
    'sese.023/MBRA.xml',
    'sese.023/MBRB.xml',
    'sese.023/MBRC.xml',
  ]);
  t.deepEqual(fs.readdirSync(out), ['20261125'], 'no temp folder left behind');
  t.is(r.obligations, 9);
  t.is(r.instructions, 8);
  t.is(r.totalBytes, listFiles(dir).reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0));

  const csv = fs.readFileSync(path.join(dir, CYCLE_FILES.cnsCsv), 'utf8').split('\n');
  t.is(
    csv[0],
    'record,member,isin,cusip,settlDate,side,quantity,settlementPrice,amount,failQtyCarried,markToMarket,netQty,newNetQty,newMoney,failMoneyCarried,failSettlDate,contractMoney,instructionId',
  );
  t.is(
    csv[9],
    `OBLIGATION,MBRC,${MSFT},594918104,2026-11-25,DELIVER,30,410.125000000,12303.7500,20,-303.7500,-30,-50,20000.0000,-8000.0000,2026-11-24,12000.0000,20261125-MBRC-${MSFT}`,
  );
  t.is(csv[10], `SECURITY_TOTAL,,${AAPL},037833100,2026-11-25,RECEIVE,400,190.000000000,76000.0000,0,50.0000,400,400,-75950.0000,0.0000,,-75950.0000,`);
  t.is(csv[11], `SECURITY_TOTAL,,${AAPL},037833100,2026-11-25,DELIVER,400,190.000000000,76000.0000,0,-50.0000,-400,-400,75950.0000,0.0000,,75950.0000,`);
  t.deepEqual(csv.slice(-4), [
    'CYCLE_TOTAL,,,,2026-11-25,RECEIVE,1450,,108851.9289,0,351.9289,1450,1450,-108500.0000,0.0000,,-108500.0000,',
    'CYCLE_TOTAL,,,,2026-11-25,DELIVER,1450,,108851.9289,0,-601.9289,-1450,-1450,108250.0000,0.0000,,108250.0000,',
    'CYCLE_TOTAL,,,,2026-11-25,FLAT,0,,0.0000,0,250.0000,0,0,250.0000,0.0000,,250.0000,',
    '',
  ]);
  const money = fs.readFileSync(path.join(dir, CYCLE_FILES.moneyCsv), 'utf8');
  t.is(
    money,
    [
      'record,party,lei,cashAccount,currency,dvpPaid,dvpReceived,markToMarket,net,direction',
      'MEMBER,MBRA,HWUPKR0MPOU8FGXBT394,A-CASH-1,USD,57000.0000,20548.1789,-98.1789,-36550.0000,PAY',
      'MEMBER,MBRB,7LTWFZYICNSX8D621K86,B-CASH-1,USD,20506.2500,76000.0000,706.2500,56200.0000,RECEIVE',
      'MEMBER,MBRC,529900T8BM49AURSDO55,C-CASH-1,USD,31345.6789,12303.7500,-608.0711,-19650.0000,PAY',
      'CCP,CLGWUS33XXX,5493001KJTIIGC8Y1R12,,USD,108851.9289,108851.9289,0.0000,0.0000,NONE',
      'TOTAL,,,,USD,217703.8578,217703.8578,0.0000,0.0000,NONE',
      '',
    ].join('\n'),
  );

  // JSON carries the same cells as the CSV, and the manifest every file's size and digest.
  const rep = readCycleReport(dir);
  const csvRows = csv.slice(1, -1).map((l) => l.split(','));
  t.deepEqual(
    rep.cns.map((x) => Object.values(x)),
    csvRows,
  );
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, CYCLE_FILES.manifest), 'utf8')) as { notice: string; files: { path: string; bytes: number }[] };
  t.regex(manifest.notice, /not DTCC-certified/);
  t.deepEqual(
    manifest.files.map((f) => f.path),
    listFiles(dir).filter((f) => f !== 'manifest.json'),
  );
  for (const f of manifest.files) t.is(f.bytes, fs.statSync(path.join(dir, f.path)).size, f.path);
});

test('closing the same input again gives byte-identical files; a closed cycle is never overwritten', async (t) => {
  const a = tmpDir(t);
  const b = tmpDir(t);
  await closeCycle(workedCycle(), a, { xsdDir: XSD });
  // Same input, members and securities in another order: identical bytes.
  const shuffled = workedCycle();
  shuffled.members.reverse();
  shuffled.securities.reverse();
  shuffled.positions.reverse();
  await closeCycle(shuffled, b, { xsdDir: XSD });
  const da = path.join(a, '20261125');
  const db = path.join(b, '20261125');
  t.deepEqual(listFiles(da), listFiles(db));
  for (const f of listFiles(da)) t.true(fs.readFileSync(path.join(da, f)).equals(fs.readFileSync(path.join(db, f))), f);

  const before = fs.readFileSync(path.join(da, CYCLE_FILES.cnsCsv));
  const changed = workedCycle();
  changed.createdAt = '2026-11-24T23:00:00Z';
  const err = await t.throwsAsync(closeCycle(changed, a, { xsdDir: XSD }));
  t.true(isGatewayError(err, SettlementErrorCode.CYCLE_CLOSED), String(err));
  t.true(fs.readFileSync(path.join(da, CYCLE_FILES.cnsCsv)).equals(before));
  t.deepEqual(fs.readdirSync(a), ['20261125'], 'no temp folder left behind');
});

test('a refused cycle writes nothing', async (t) => {
  const out = tmpDir(t);
  const bad = workedCycle();
  bad.positions[0]!.netQty = 299;
  const err = await t.throwsAsync(closeCycle(bad, out, { xsdDir: XSD }));
  t.true(isGatewayError(err, SettlementErrorCode.UNBALANCED_QTY));
  t.deepEqual(fs.readdirSync(out), []);
});

test('every XML file is valid against its ISO 20022 XSD (xmllint)', async (t) => {
  t.true(xmllintAvailable(), 'xmllint is required by this test (Debian: libxml2-utils)');
  const out = tmpDir(t);
  const r = await closeCycle(workedCycle(), out, { validate: true, xsdDir: XSD });
  t.is(r.validation, 'all');
  const dir = r.dir;
  const schemas = new SchemaSet(XSD);
  t.teardown(() => schemas.dispose());
  // The envelopes as written: one xmllint call per kind, all files at once.
  const secl = listFiles(dir).filter((f) => f.startsWith('secl.010/'));
  const sese = listFiles(dir).filter((f) => f.startsWith('sese.023/'));
  t.is(secl.length, 3);
  t.is(sese.length, 3);
  for (const v of await runXmllint(schemas.envelope('secl010'), secl, dir, false)) t.is(v.error, undefined, v.file);
  for (const v of await runXmllint(schemas.envelope('sese023'), sese, dir, false)) t.is(v.error, undefined, v.file);

  // Each AppHdr and each Document alone, against the ISO XSDs in place (no envelope schema involved).
  const parts = tmpDir(t);
  const ser = new XMLSerializer();
  const byKind: Record<string, string[]> = { head: [], secl010: [], sese023: [] };
  let n = 0;
  for (const f of [...secl, ...sese]) {
    const doc = new DOMParser().parseFromString(fs.readFileSync(path.join(dir, f), 'utf8'), 'text/xml');
    const msgs = doc.documentElement!.localName === 'BizMsgBatch' ? Array.from(doc.documentElement!.childNodes).filter((x) => x.nodeType === 1) : [doc.documentElement!];
    for (const m of msgs) {
      for (const part of Array.from(m.childNodes).filter((x) => x.nodeType === 1)) {
        const el = part as unknown as { localName: string; namespaceURI: string };
        const kind = el.localName === 'AppHdr' ? 'head' : el.namespaceURI === NS.secl010 ? 'secl010' : 'sese023';
        const name = `p${String(n++).padStart(3, '0')}.xml`;
        fs.writeFileSync(path.join(parts, name), ser.serializeToString(part));
        byKind[kind]!.push(name);
      }
    }
  }
  t.is(byKind['head']!.length, 3 + 8, 'one AppHdr per secl.010 report and per sese.023 instruction');
  t.is(byKind['sese023']!.length, 8, 'one sese.023 per member per security obligation');
  t.is(byKind['secl010']!.length, 3);
  for (const kind of ['head', 'secl010', 'sese023'] as const)
    for (const v of await runXmllint(schemas.document(kind), byKind[kind]!, parts, false)) t.is(v.error, undefined, `${kind} ${v.file}`);
});

test('sese.023 content: DVP/RVP against the CCP, NETT, partial allowed, depository configurable', async (t) => {
  const out = tmpDir(t);
  const input = workedCycle();
  // Depository addressed by name and address instead of BIC.
  input.depository = {
    name: 'Example Depository',
    address: { lines: ['55 Water Street'], town: 'New York', country: 'US' },
    safekeepingAccount: 'CNS-0001',
  };
  const r = await closeCycle(input, out, { validate: true, xsdDir: XSD });
  const text = fs.readFileSync(path.join(r.dir, 'sese.023/MBRB.xml'), 'utf8');
  const lines = text.split('\n');
  t.is(lines.length, 6, 'declaration, batch start, one line per instruction (2), batch end, final newline');
  const aapl = lines.find((l) => l.includes(`<TxId>20261125-MBRB-${AAPL}</TxId>`))!;
  t.regex(aapl, /<SctiesMvmntTp>DELI<\/SctiesMvmntTp><Pmt>APMT<\/Pmt>/);
  t.regex(aapl, /<SctiesTxTp><Cd>NETT<\/Cd><\/SctiesTxTp><PrtlSttlmInd>PART<\/PrtlSttlmInd>/);
  t.regex(aapl, /<RcvgSttlmPties><Dpstry><Id><NmAndAdr><Nm>Example Depository<\/Nm><Adr><AdrLine>55 Water Street<\/AdrLine><TwnNm>New York<\/TwnNm><Ctry>US<\/Ctry><\/Adr><\/NmAndAdr><\/Id><\/Dpstry><Pty1><Id><AnyBIC>CLGWUS33XXX<\/AnyBIC><\/Id>/);
  t.regex(aapl, /<SttlmQty><Qty><Unit>400<\/Unit><\/Qty><\/SttlmQty>/);
  t.regex(aapl, /<SttlmAmt><Amt Ccy="USD">76000<\/Amt><CdtDbtInd>CRDT<\/CdtDbtInd><\/SttlmAmt>/);
  t.regex(aapl, /<AcctOwnr><Id><PrtryId><Id>MBRB<\/Id><Issr>CLGWUS33XXX<\/Issr><\/PrtryId><\/Id>/, 'a member without BIC is named by its CCP id');
  const msft = lines.find((l) => l.includes(`<TxId>20261125-MBRB-${MSFT}</TxId>`))!;
  t.regex(msft, /<SctiesMvmntTp>RECE<\/SctiesMvmntTp>.*<DlvrgSttlmPties>.*<SttlmAmt><Amt Ccy="USD">20506.25<\/Amt><CdtDbtInd>DBIT<\/CdtDbtInd>/);
  t.regex(msft, /<BizMsgIdr>20261125-MBRB-US5949181045<\/BizMsgIdr><MsgDefIdr>sese.023.001.11<\/MsgDefIdr><CreDt>2026-11-24T22:00:00Z<\/CreDt>/);
  // Escaping of names in the secl.010 header.
  const secl = fs.readFileSync(path.join(r.dir, 'secl.010/MBRB.xml'), 'utf8');
  t.regex(secl, /<Nm>Member B "Clearing" &amp; Co<\/Nm>/);
  t.notRegex(secl, /AddtlSttlmOblgtnDtls/, 'no breakdown without a carried fail');
  // The carried fail: MBRC delivers 30 = 50 new (DELI) − 20 carried (RECE, failed to receive on 2026-11-24).
  const c = fs.readFileSync(path.join(r.dir, 'secl.010/MBRC.xml'), 'utf8').split('\n').find((l) => l.includes(`<SttlmOblgtnId>20261125-MBRC-${MSFT}<`))!;
  t.regex(c, /<Qty><Unit>30<\/Unit><\/Qty><SttlmAmt><Amt Ccy="USD">12303.75<\/Amt><CdtDbtInd>CRDT<\/CdtDbtInd>/);
  t.regex(c, /<OblgtnTp><Cd>NEW1<\/Cd><\/OblgtnTp><Desc>NEW NET ACTIVITY<\/Desc><Qty><Unit>50<\/Unit><\/Qty><SttlmAmt><Amt Ccy="USD">20000<\/Amt><CdtDbtInd>CRDT<\/CdtDbtInd><\/SttlmAmt><SttlmDt>2026-11-25<\/SttlmDt><SctiesMvmntTp>DELI</);
  t.regex(c, /<OblgtnTp><Cd>FAIL<\/Cd><\/OblgtnTp><Desc>FAIL CARRIED<\/Desc><Qty><Unit>20<\/Unit><\/Qty><SttlmAmt><Amt Ccy="USD">8000<\/Amt><CdtDbtInd>DBIT<\/CdtDbtInd><\/SttlmAmt><SttlmDt>2026-11-24<\/SttlmDt><SctiesMvmntTp>RECE</);
  const a = fs.readFileSync(path.join(r.dir, 'secl.010/MBRA.xml'), 'utf8');
  t.notRegex(a, /NEW1/, 'MBRA has no new MSFT activity, only the carried fail');
  t.regex(a, /<Cd>FAIL<\/Cd>/);
});

test('validate: an invalid file stops the close, names the file and xmllint message, publishes nothing', async (t) => {
  t.true(xmllintAvailable(), 'xmllint is required by this test (Debian: libxml2-utils)');
  // A copy of the XSDs where head.001's Max35Text allows 10 characters: our 26-character BizMsgIdr fails.
  const xsd = tmpDir(t);
  for (const f of fs.readdirSync(XSD)) fs.copyFileSync(path.join(XSD, f), path.join(xsd, f));
  const head = path.join(xsd, 'head.001.001.03.xsd');
  const src = fs.readFileSync(head, 'utf8');
  const patched = src.replace(/(<xs:simpleType name="Max35Text">[\s\S]*?<xs:maxLength value=")35(")/, '$110$2');
  t.not(patched, src);
  fs.writeFileSync(head, patched);
  const out = tmpDir(t);
  const err = await t.throwsAsync(closeCycle(workedCycle(), out, { validate: true, xsdDir: xsd }));
  t.true(isGatewayError(err, SettlementErrorCode.XML_INVALID), String(err));
  t.regex(err!.message, /first: (secl\.010|sese\.023)\/MBR[ABC]\.xml:.*BizMsgIdr.*maxLength/s);
  t.deepEqual(fs.readdirSync(out), [], 'nothing published, temp folder removed');
  // The sample mode catches it too, before writing anything.
  const err2 = await t.throwsAsync(closeCycle(workedCycle(), out, { validate: 'sample', xsdDir: xsd }));
  t.true(isGatewayError(err2, SettlementErrorCode.XML_INVALID), String(err2));
  t.regex(err2!.message, /sample of cycle 20261125 .*first: (secl010|sese023)-MBR[ABC]\.xml:.*maxLength/s);
  t.deepEqual(fs.readdirSync(out), []);
});

test("validate 'sample': one message of every shape, validated before writing", async (t) => {
  t.true(xmllintAvailable(), 'xmllint is required by this test (Debian: libxml2-utils)');
  const c = computeCycle(workedCycle());
  const shapes = sampleShapes(c);
  // MBRA (BIC): RECE, DELI, DELI with a carried fail only; MBRB (no BIC): DELI, RECE; MBRC (BIC): DELI with fail + new activity.
  t.deepEqual(
    shapes.map((s) => [s.member.id, s.obligations.map((o) => `${o.side}${o.failQty !== 0 ? '+fail' : ''}${o.failQty !== 0 && o.newNetQty !== 0 ? '+new' : ''}`)]),
    [
      ['MBRA', ['RECEIVE', 'DELIVER', 'DELIVER+fail']],
      ['MBRB', ['DELIVER', 'RECEIVE']],
      ['MBRC', ['DELIVER+fail+new']],
    ],
  );
  const r = await closeCycle(workedCycle(), tmpDir(t), { validate: 'sample', xsdDir: XSD });
  t.is(r.validation, 'sample');
});
