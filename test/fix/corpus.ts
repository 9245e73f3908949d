/**
 * FIX test corpus (not a test file): real messages from the QuickFIX acceptance scripts plus a
 * generated corpus (seeded, reproducible) of messages with groups, DATA fields and garbled variants.
 *
 * Acceptance scripts (<refdata>/fix/quickfix-at/{fix44,fix50sp2}/*.def, read in place; see
 * <refdata>/README.md): every `I` (sent to the acceptor) and `E` (expected from it) line is made into
 * wire bytes as QuickFIX's runner does:
 *   - an optional connection prefix `<n>,` is dropped;
 *   - `<TIME>`, `<TIME+n>`, `<TIME-n>` become the fixed UTC timestamp 20261124-02:30:00.000 shifted
 *     by n seconds (fixed, so runs are reproducible);
 *   - `I` lines: BodyLength (9) is inserted after the first field when the line has none, CheckSum
 *     (10) appended when the line does not end with one; values given in the script are kept verbatim
 *     (several scripts send a wrong BodyLength or CheckSum on purpose: those are garbled on the wire);
 *   - `E` lines: templates the runner matches with regexes (10=0, 9 of the acceptor's message), so
 *     9 and 10 are always recomputed.
 * BodyLength = bytes from after the 9 field's SOH to the start of "10="; CheckSum = sum of every byte
 * before "10=" mod 256, three digits.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Prng } from '../codec/prng.js';
import { refdata } from '../helpers/refdata.js';

export interface CorpusMessage {
  /** Where it came from: `fix44/14e_IncorrectEnumValue.def:12`, `gen:AE:17`, ... */
  name: string;
  bytes: Uint8Array;
  /** 9 and 10 as given verbatim by the script (may be wrong on purpose). */
  verbatim: boolean;
  /** For generated messages: what the framer must report ('message' or a garbled reason name). */
  expect?: string;
  /** For generated messages: the index problem expected (FixIndexProblem name); 'None' when valid. */
  expectProblem?: string;
}

const SOH = '\x01';
export const BASE_TIME = Date.UTC(2026, 10, 24, 2, 30, 0, 0);

export function fixTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}`;
}

function latin1(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'latin1'));
}

export function checksum(s: string): string {
  let sum = 0;
  for (let i = 0; i < s.length; i++) sum += s.charCodeAt(i);
  return String(sum & 255).padStart(3, '0');
}

/**
 * Wire message from `8=...|35=...|...|` without 9 and 10 (fields end with SOH): adds both.
 * `bodyLengthDelta` / `checksumDelta` spoil them on purpose.
 */
export function wire(fieldsWithout910: string, bodyLengthDelta = 0, checksumDelta = 0): string {
  const first = fieldsWithout910.indexOf(SOH) + 1;
  const head = fieldsWithout910.slice(0, first);
  const body = fieldsWithout910.slice(first);
  const msg = `${head}9=${body.length + bodyLengthDelta}${SOH}${body}`;
  const cs = (Number(checksum(msg)) + checksumDelta + 256) % 256;
  return `${msg}10=${String(cs).padStart(3, '0')}${SOH}`;
}

function substituteTime(line: string): string {
  return line.replace(/<TIME([+-]\d+)?>/g, (_m, shift?: string) => fixTime(BASE_TIME + (shift ? Number(shift) * 1000 : 0)));
}

/** Make a script line's message (without the I/E marker) into wire bytes; see the file comment. */
export function scriptMessage(text: string, recompute: boolean): { wire: string; verbatim: boolean } {
  let fields = text.split(SOH);
  if (fields[fields.length - 1] === '') fields.pop();
  if (recompute) fields = fields.filter((f) => !f.startsWith('9=') && !f.startsWith('10='));
  const has9 = fields.some((f) => f.startsWith('9='));
  const has10 = fields.length > 0 && fields[fields.length - 1]!.startsWith('10=');
  if (!has9) fields.splice(1, 0, '9=\u0000'); // placeholder, filled below
  let s = fields.join(SOH) + SOH;
  if (!has9) {
    const at = s.indexOf('9=\u0000' + SOH);
    const afterNine = at + 4;
    const end = has10 ? s.lastIndexOf(SOH + '10=') + 1 : s.length;
    const bodyLength = end - afterNine;
    s = s.slice(0, at) + `9=${bodyLength}` + s.slice(at + 3);
  }
  if (!has10) s += `10=${checksum(s)}${SOH}`;
  return { wire: s, verbatim: has9 || has10 };
}

export interface AcceptanceCorpus {
  /** Why the corpus is empty (reference data absent); undefined when loaded. */
  skipped?: string;
  messages: CorpusMessage[];
}

/** Every I and E message of the fix44 and fix50sp2 acceptance scripts. */
export function acceptanceCorpus(): AcceptanceCorpus {
  const root = refdata('fix', 'quickfix-at');
  if (!fs.existsSync(root)) return { skipped: `QuickFIX acceptance scripts not found at ${root} (set GATEWAY_REFDATA)`, messages: [] };
  const messages: CorpusMessage[] = [];
  for (const dir of ['fix44', 'fix50sp2']) {
    const files = fs.readdirSync(path.join(root, dir)).filter((f) => f.endsWith('.def')).sort();
    for (const file of files) {
      const lines = fs.readFileSync(path.join(root, dir, file), 'latin1').split(/\r?\n/);
      lines.forEach((line, i) => {
        const kind = line[0];
        if (kind !== 'I' && kind !== 'E') return;
        const text = substituteTime(line.slice(1).replace(/^\d+,/, ''));
        if (!text.includes('=')) return; // iCONNECT, eDISCONNECT, ...
        const { wire: w, verbatim } = scriptMessage(text, kind === 'E');
        messages.push({ name: `${dir}/${file}:${i + 1}`, bytes: latin1(w), verbatim });
      });
    }
  }
  return { messages };
}

// ------------------------------------------------------------------------------------------ generated

const SYMBOLS = ['AAPL', 'MSFT', 'IBM', 'VOD.L', 'SAP', 'BRK-A'];

function price(r: Prng): string {
  const whole = r.intIn(0, 99999);
  const frac = r.intIn(0, 3);
  if (frac === 0) return String(whole);
  return `${whole}.${String(r.intIn(0, 10 ** frac - 1)).padStart(frac, '0')}`;
}

function id(r: Prng, prefix: string): string {
  return `${prefix}${r.intIn(1, 999999)}`;
}

/** Random printable value; with `soh` it may contain SOH (for DATA fields). */
function text(r: Prng, n: number, soh = false): string {
  let s = '';
  for (let i = 0; i < n; i++) s += soh && r.intIn(0, 5) === 0 ? SOH : String.fromCharCode(r.intIn(0x41, 0x5a));
  return s;
}

function parties(r: Prng, countTag: number, idTag: number, srcTag: number, roleTag: number, max: number): string {
  const n = r.intIn(1, max);
  let s = `${countTag}=${n}${SOH}`;
  for (let i = 0; i < n; i++) s += `${idTag}=${id(r, 'P')}${SOH}${srcTag}=D${SOH}${roleTag}=${r.intIn(1, 30)}${SOH}`;
  return s;
}

interface Dialect {
  begin: string;
  extraHeader: string;
}

function header(r: Prng, d: Dialect, msgType: string, seq: number): string {
  let s = `8=${d.begin}${SOH}35=${msgType}${SOH}`;
  s += `49=${id(r, 'M')}${SOH}56=CCP${SOH}34=${seq}${SOH}`;
  if (r.intIn(0, 3) === 0) s += `43=Y${SOH}`; // PossDupFlag
  s += `52=${fixTime(BASE_TIME + r.intIn(0, 86_400_000))}${SOH}`;
  if (r.intIn(0, 4) === 0) {
    // XmlData (XMLDATA, length 212): may contain SOH
    const v = `<x>${text(r, r.intIn(1, 20), true)}</x>`;
    s += `212=${v.length}${SOH}213=${v}${SOH}`;
  }
  if (r.intIn(0, 4) === 0) {
    const n = r.intIn(1, 3);
    s += `627=${n}${SOH}`; // NoHops
    for (let i = 0; i < n; i++) s += `628=${id(r, 'H')}${SOH}629=${fixTime(BASE_TIME)}${SOH}630=${i + 1}${SOH}`;
  }
  return s + d.extraHeader;
}

function tcr(r: Prng): string {
  let s = `571=${id(r, 'TR')}${SOH}487=0${SOH}856=0${SOH}570=N${SOH}55=${r.pick(SYMBOLS)}${SOH}`;
  s += `48=US${r.intIn(100000000, 999999999)}0${SOH}22=4${SOH}32=${r.intIn(1, 100000)}${SOH}31=${price(r)}${SOH}`;
  s += `75=20261124${SOH}60=${fixTime(BASE_TIME)}${SOH}`;
  const sides = r.intIn(1, 2);
  s += `552=${sides}${SOH}`;
  for (let i = 0; i < sides; i++) {
    s += `54=${i + 1}${SOH}37=${id(r, 'O')}${SOH}11=${id(r, 'C')}${SOH}`;
    s += parties(r, 453, 448, 447, 452, 3);
    s += `1=${id(r, 'ACC')}${SOH}`;
    if (r.intIn(0, 1) === 0) {
      const t = text(r, r.intIn(1, 12), true);
      s += `58=note${SOH}354=${t.length}${SOH}355=${t}${SOH}`;
    }
  }
  return s;
}

function nos(r: Prng): string {
  let s = `11=${id(r, 'C')}${SOH}1=${id(r, 'ACC')}${SOH}`;
  if (r.intIn(0, 1) === 0) s += parties(r, 453, 448, 447, 452, 4);
  s += `55=${r.pick(SYMBOLS)}${SOH}54=${r.intIn(1, 2)}${SOH}60=${fixTime(BASE_TIME)}${SOH}38=${r.intIn(1, 100000)}${SOH}40=2${SOH}44=${price(r)}${SOH}59=0${SOH}`;
  return s;
}

function execReport(r: Prng): string {
  let s = `37=${id(r, 'O')}${SOH}11=${id(r, 'C')}${SOH}17=${id(r, 'E')}${SOH}150=F${SOH}39=2${SOH}`;
  if (r.intIn(0, 1) === 0) s += parties(r, 453, 448, 447, 452, 3);
  s += `55=${r.pick(SYMBOLS)}${SOH}54=1${SOH}`;
  if (r.intIn(0, 1) === 0) {
    const n = r.intIn(1, 3);
    s += `382=${n}${SOH}`; // NoContraBrokers
    for (let i = 0; i < n; i++) s += `375=${id(r, 'B')}${SOH}337=${id(r, 'T')}${SOH}437=${r.intIn(1, 500)}${SOH}`;
  }
  s += `32=${r.intIn(1, 500)}${SOH}31=${price(r)}${SOH}151=0${SOH}14=${r.intIn(1, 500)}${SOH}6=${price(r)}${SOH}`;
  if (r.intIn(0, 1) === 0) {
    const t = text(r, r.intIn(1, 30), true);
    s += `58=filled${SOH}354=${t.length}${SOH}355=${t}${SOH}`;
  }
  return s;
}

function positionReport(r: Prng): string {
  let s = `721=${id(r, 'PR')}${SOH}715=20261124${SOH}`;
  s += parties(r, 453, 448, 447, 452, 2);
  s += `1=${id(r, 'ACC')}${SOH}55=${r.pick(SYMBOLS)}${SOH}730=${price(r)}${SOH}731=1${SOH}`;
  const n = r.intIn(1, 3);
  s += `702=${n}${SOH}`; // NoPositions
  for (let i = 0; i < n; i++) {
    s += `703=${r.pick(['TQ', 'SOD', 'FIN'])}${SOH}704=${r.intIn(0, 9999)}${SOH}705=${r.intIn(0, 9999)}${SOH}`;
    if (r.intIn(0, 1) === 0) s += parties(r, 539, 524, 525, 538, 2); // NoNestedPartyIDs
  }
  const a = r.intIn(0, 2);
  if (a > 0) {
    s += `753=${a}${SOH}`; // NoPosAmt
    for (let i = 0; i < a; i++) s += `707=${r.pick(['FMTM', 'CRES', 'SETL'])}${SOH}708=${price(r)}${SOH}`;
  }
  return s;
}

function logon(r: Prng): string {
  const raw = text(r, r.intIn(1, 16), true);
  return `98=0${SOH}108=30${SOH}95=${raw.length}${SOH}96=${raw}${SOH}141=Y${SOH}`;
}

const BUILDERS: ReadonlyArray<[string, (r: Prng) => string]> = [
  ['AE', tcr],
  ['D', nos],
  ['8', execReport],
  ['AP', positionReport],
  ['A', logon],
];

/** Seeded random messages: valid ones of many types, structural problems, and garbled ones. */
export function generatedCorpus(seed: number, count: number): CorpusMessage[] {
  const r = new Prng(seed);
  const out: CorpusMessage[] = [];
  for (let i = 0; i < count; i++) {
    const d: Dialect = r.intIn(0, 1) === 0 ? { begin: 'FIX.4.4', extraHeader: '' } : { begin: 'FIXT.1.1', extraHeader: `1128=9${SOH}` };
    const [type, build] = r.pick(BUILDERS);
    const fields = header(r, d, type, i + 1) + build(r);
    const variant = r.intIn(0, 19);
    const name = `gen:${d.begin}:${type}:${i}`;
    let w: string;
    let expect = 'message';
    let expectProblem = 'None';
    switch (variant) {
      case 0:
        w = wire(fields, 0, 1);
        expect = 'ChecksumMismatch';
        break;
      case 1:
        w = wire(fields, r.pick([-5, -3, -2, -1])); // shorter: a longer one waits for more bytes
        expect = 'BodyLengthMismatch';
        break;
      case 2:
        w = 'X' + wire(fields).slice(1);
        expect = 'BadBeginString';
        break;
      case 3: {
        // NumInGroup that disagrees with the entries (the first group count in the body is bumped)
        const m = /\x01(552|453|702|382|753|627)=(\d+)\x01/.exec(fields);
        if (!m) {
          w = wire(fields);
          break;
        }
        w = wire(fields.slice(0, m.index) + `${SOH}${m[1]}=${Number(m[2]) + 1}${SOH}` + fields.slice(m.index + m[0].length));
        expectProblem = 'NumInGroupMismatch';
        break;
      }
      case 4: {
        // a header field (PossResend 97) after the body began
        w = wire(fields + `97=N${SOH}`);
        expectProblem = 'HeaderFieldOutOfOrder';
        break;
      }
      case 5: {
        // an empty value at the end of the body
        w = wire(fields + `58=${SOH}`);
        expectProblem = 'TagWithoutValue';
        break;
      }
      case 6:
        w = wire(fields + `05=x${SOH}`);
        expectProblem = 'InvalidTagNumber';
        break;
      case 7: {
        // a LENGTH that is not a number before its DATA field
        const m = /\x01(95|354|212)=\d+\x01/.exec(fields);
        if (!m) {
          w = wire(fields);
          break;
        }
        w = wire(fields.slice(0, m.index) + `${SOH}${m[1]}=x${SOH}` + fields.slice(m.index + m[0].length));
        expectProblem = 'DataLengthMismatch';
        break;
      }
      default:
        w = wire(fields);
    }
    out.push({ name, bytes: latin1(w), verbatim: false, expect, expectProblem });
  }
  return out;
}

/** Bytes of a message as text with '|' for SOH (for assertion messages). */
export function show(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('latin1').replace(/\x01/g, '|');
}
