/**
 * The CNS obligation report and the money settlement summary as CSV and JSON (formats: README.md).
 *
 * Modelled on NSCC's public CNS descriptions and on ISO 20022; NOT DTCC-certified (NSCC's own record
 * layouts are members-only; these are this gateway's documented formats).
 *
 * Both formats carry the same cells: each JSON row is an array of the CSV cells in column order
 * (strings: exact decimals, '' when not applicable), the column names given once in `columns`.
 * Column order is part of the format (version 1) and never changes within a version. Lines end with
 * LF; numbers are written from exact integers (qty scale 0, price scale 9, money scale 4).
 *
 * Stateless; any thread.
 */
import * as fs from 'node:fs';
import { GatewayError } from '../codec/errors.js';
import type { ByteOut } from './bytes.js';
import { GroupSum, SIDES, sideIndex } from './compute.js';
import { SettlementErrorCode } from './types.js';
import { fixedText, fixedTextBig, isoDate } from './text.js';
import type { CycleComputation, MoneyRow, Obligation } from './types.js';

export const DISCLAIMER = "Modelled on NSCC's public CNS descriptions and on ISO 20022; not DTCC-certified.";

/** CNS obligation report columns, in file order (format version 1). */
export const CNS_COLUMNS = [
  'record',
  'member',
  'isin',
  'cusip',
  'settlDate',
  'side',
  'quantity',
  'settlementPrice',
  'amount',
  'failQtyCarried',
  'markToMarket',
  'netQty',
  'newNetQty',
  'newMoney',
  'failMoneyCarried',
  'failSettlDate',
  'contractMoney',
  'instructionId',
] as const;

/** Money settlement summary columns, in file order (format version 1). */
export const MONEY_COLUMNS = ['record', 'party', 'lei', 'cashAccount', 'currency', 'dvpPaid', 'dvpReceived', 'markToMarket', 'net', 'direction'] as const;

export const CNS_FORMAT = 'cns-obligation-report';
export const MONEY_FORMAT = 'money-settlement-summary';
export const FORMAT_VERSION = 1;

function obligationCells(o: Obligation, settl: string): string[] {
  return [
    'OBLIGATION',
    o.member.id,
    o.security.isin,
    o.security.cusip ?? '',
    settl,
    o.side,
    String(o.quantity),
    fixedText(o.security.price, 9),
    fixedText(o.settlementValue, 4),
    String(o.failQty),
    fixedText(o.markToMarket, 4),
    String(o.netQty),
    String(o.newNetQty),
    fixedText(o.newMoney, 4),
    fixedText(o.failMoney, 4),
    o.failQty !== 0 || o.failMoney !== 0 ? isoDate(o.failSettlDate) : '',
    fixedText(o.contractMoney, 4),
    o.instructionId,
  ];
}

function sumCells(record: string, isin: string, cusip: string, settl: string, side: string, price: string, g: GroupSum): string[] {
  return [
    record,
    '',
    isin,
    cusip,
    settl,
    side,
    g.quantity.value.toString(),
    price,
    fixedTextBig(g.amount.value, 4),
    g.failQty.value.toString(),
    fixedTextBig(g.markToMarket.value, 4),
    g.netQty.value.toString(),
    g.newNetQty.value.toString(),
    fixedTextBig(g.newMoney.value, 4),
    fixedTextBig(g.failMoney.value, 4),
    '',
    fixedTextBig(g.contractMoney.value, 4),
    '',
  ];
}

/**
 * Rows of the CNS obligation report, in file order: every OBLIGATION (member, ISIN), then per ISIN
 * one SECURITY_TOTAL row per side present (sums over that side's obligations), then one CYCLE_TOTAL
 * row per side present. In a closed cycle the RECEIVE and DELIVER totals' netQty cancel per security.
 */
export function* cnsRows(c: CycleComputation): Generator<string[]> {
  const settl = isoDate(c.input.settlDate);
  const bySecurity = new Map<string, GroupSum[]>();
  const cycle = SIDES.map(() => new GroupSum());
  const present = [false, false, false];
  for (const o of c.obligations) {
    yield obligationCells(o, settl);
    let g = bySecurity.get(o.security.isin);
    if (g === undefined) bySecurity.set(o.security.isin, (g = []));
    const k = sideIndex(o.side);
    (g[k] ??= new GroupSum()).add(o);
    cycle[k]!.add(o);
    present[k] = true;
  }
  for (const t of c.securityTotals) {
    const g = bySecurity.get(t.security.isin)!;
    const price = fixedText(t.security.price, 9);
    for (let k = 0; k < SIDES.length; k++)
      if (g[k] !== undefined) yield sumCells('SECURITY_TOTAL', t.security.isin, t.security.cusip ?? '', settl, SIDES[k]!, price, g[k]!);
  }
  for (let k = 0; k < SIDES.length; k++) if (present[k]) yield sumCells('CYCLE_TOTAL', '', '', settl, SIDES[k]!, '', cycle[k]!);
}

/** Rows of the money settlement summary: members (by id), the CCP, the total (net 0). */
export function moneyRows(c: CycleComputation): string[][] {
  const ccy = c.input.currency;
  return c.money.map((r: MoneyRow) => [
    r.kind,
    r.party,
    r.lei,
    r.cashAccount,
    ccy,
    fixedTextBig(r.dvpPaid, 4),
    fixedTextBig(r.dvpReceived, 4),
    fixedTextBig(r.markToMarket, 4),
    fixedTextBig(r.net, 4),
    r.net > 0n ? 'RECEIVE' : r.net < 0n ? 'PAY' : 'NONE',
  ]);
}

const NEEDS_QUOTE = /[",\r\n]/;
// eslint-disable-next-line no-control-regex
const JSON_SPECIAL = /["\\\x00-\x1f\u2028\u2029]/;
// eslint-disable-next-line no-control-regex
const NON_ASCII = /[^\x20-\x7e]/;

function jsonHeader(c: CycleComputation, format: string, columns: readonly string[]): string {
  const i = c.input;
  return (
    '{\n' +
    `"format":${JSON.stringify(format)},\n"version":${FORMAT_VERSION},\n"notice":${JSON.stringify(DISCLAIMER)},\n` +
    `"cycleId":${JSON.stringify(i.cycleId)},\n"settlDate":"${isoDate(i.settlDate)}",\n"businessDate":"${isoDate(i.businessDate)}",\n` +
    `"createdAt":${JSON.stringify(i.createdAt)},\n"currency":${JSON.stringify(i.currency)},\n` +
    `"ccp":${JSON.stringify({ bic: i.ccp.bic, lei: i.ccp.lei, name: i.ccp.name })},\n` +
    `"columns":${JSON.stringify(columns)},\n`
  );
}

/**
 * Write a CSV + JSON pair of one table. `asciiCells`: the caller guarantees every cell is printable
 * ASCII without '"', ',' or '\\' (true of the CNS report: ids, codes, numbers, dates), so cells are
 * copied as they are; otherwise each cell is checked and quoted/escaped when it needs it.
 * Returns the number of rows.
 */
export function writeTable(
  c: CycleComputation,
  format: string,
  columns: readonly string[],
  rows: Iterable<string[]>,
  csv: ByteOut,
  json: ByteOut,
  asciiCells: boolean,
): number {
  csv.ascii(columns.join(',') + '\n');
  json.utf8(jsonHeader(c, format, columns) + '"rows":[\n');
  let n = 0;
  for (const cells of rows) {
    if (asciiCells || !cells.some((v) => NON_ASCII.test(v) || NEEDS_QUOTE.test(v) || JSON_SPECIAL.test(v))) {
      csv.ascii(cells.join(',') + '\n');
      json.ascii((n > 0 ? ',\n["' : '["') + cells.join('","') + '"]');
    } else {
      csv.utf8(cells.map((v) => (NEEDS_QUOTE.test(v) ? '"' + v.replace(/"/g, '""') + '"' : v)).join(',') + '\n');
      json.utf8((n > 0 ? ',\n' : '') + JSON.stringify(cells));
    }
    n++;
  }
  json.ascii('\n]\n}\n');
  return n;
}

/** A row's cells as a record keyed by the column names. */
export function toRecord<K extends string>(columns: readonly K[], cells: readonly string[]): Record<K, string> {
  const r = {} as Record<K, string>;
  columns.forEach((c, i) => (r[c] = cells[i]!));
  return r;
}

/** Read a table file (CSV-twin JSON: `columns` once, rows as arrays of cells) into records. */
export function readTableJson(file: string, format: string): { cycleId: string; settlDate: string; currency: string; rows: Record<string, string>[] } {
  let doc: { format?: string; cycleId?: string; settlDate?: string; currency?: string; columns?: string[]; rows?: string[][] };
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8')) as typeof doc;
  } catch (e) {
    throw new GatewayError(SettlementErrorCode.CYCLE_READ, `cannot read ${file}: ${(e as Error).message}`, { file }, { cause: e });
  }
  const columns = doc.columns;
  if (doc.format !== format || !Array.isArray(doc.rows) || !Array.isArray(columns))
    throw new GatewayError(SettlementErrorCode.CYCLE_READ, `${file} is not a ${format}`, { file });
  const rows = doc.rows.map((cells) => {
    if (!Array.isArray(cells) || cells.length !== columns.length) throw new GatewayError(SettlementErrorCode.CYCLE_READ, `${file}: a row does not have ${columns.length} cells`, { file });
    return toRecord(columns, cells);
  });
  return { cycleId: doc.cycleId ?? '', settlDate: doc.settlDate ?? '', currency: doc.currency ?? '', rows };
}

