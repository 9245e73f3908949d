/**
 * Reports for the CLI and the admin API: obligations, fails and money by member, as rows of strings
 * (exact decimals) ready to print or to serve as JSON.
 *
 * Modelled on NSCC's public CNS descriptions and on ISO 20022; not DTCC-certified.
 *
 * Sources: a cycle computation (before or without writing), a closed cycle folder (its JSON files),
 * and an InstructionBook (the depository's status read back). Stateless functions; any thread.
 */
import * as path from 'node:path';
import { CYCLE_FILES } from './close.js';
import { reasonText } from './codes.js';
import { CNS_COLUMNS, CNS_FORMAT, MONEY_COLUMNS, MONEY_FORMAT, cnsRows, moneyRows, readTableJson, toRecord } from './report-files.js';
import type { InstructionBook, InstructionEntry, InstructionState } from './readback.js';
import { fixedTextBig, isoDate } from './text.js';
import type { CycleComputation } from './types.js';

export type CnsColumn = (typeof CNS_COLUMNS)[number];
export type MoneyColumn = (typeof MONEY_COLUMNS)[number];
export type CnsRow = Record<CnsColumn, string>;
export type MoneySummaryRow = Record<MoneyColumn, string>;

export interface CycleReport {
  cycleId: string;
  settlDate: string;
  currency: string;
  /** Every row of the CNS obligation report (obligations, then totals), as in the files. */
  cns: CnsRow[];
  /** Every row of the money settlement summary (members, CCP, total). */
  money: MoneySummaryRow[];
}

/** The report of a computed cycle (same rows as the files it would write). */
export function cycleReport(c: CycleComputation): CycleReport {
  return {
    cycleId: c.input.cycleId,
    settlDate: isoDate(c.input.settlDate),
    currency: c.input.currency,
    cns: [...cnsRows(c)].map((cells) => toRecord(CNS_COLUMNS, cells)),
    money: moneyRows(c).map((cells) => toRecord(MONEY_COLUMNS, cells)),
  };
}

/** The report of a closed cycle folder (reads its JSON files). */
export function readCycleReport(cycleDir: string): CycleReport {
  const cns = readTableJson(path.join(cycleDir, CYCLE_FILES.cnsJson), CNS_FORMAT);
  const money = readTableJson(path.join(cycleDir, CYCLE_FILES.moneyJson), MONEY_FORMAT);
  return { cycleId: cns.cycleId, settlDate: cns.settlDate, currency: cns.currency, cns: cns.rows as CnsRow[], money: money.rows as MoneySummaryRow[] };
}

/** Obligation rows, by member then ISIN; only `member`'s when given. */
export function obligationsByMember(r: CycleReport, member?: string): CnsRow[] {
  return r.cns.filter((x) => x.record === 'OBLIGATION' && (member === undefined || x.member === member));
}

/** Obligations carrying a fail from an earlier settlement date (failQtyCarried ≠ 0), by member. */
export function carriedFailsByMember(r: CycleReport, member?: string): CnsRow[] {
  return obligationsByMember(r, member).filter((x) => x.failQtyCarried !== '0' || x.failMoneyCarried !== '0.0000');
}

/** Money settlement rows: members by id, then the CCP and the total (only the member's row when `member` is given). */
export function moneyByMember(r: CycleReport, member?: string): MoneySummaryRow[] {
  return member === undefined ? r.money : r.money.filter((x) => x.record === 'MEMBER' && x.party === member);
}

export const FAIL_COLUMNS = [
  'member',
  'instructionId',
  'isin',
  'settlDate',
  'side',
  'quantity',
  'settledQty',
  'openQty',
  'openAmount',
  'state',
  'reason',
  'reasonText',
] as const;
export type FailRow = Record<(typeof FAIL_COLUMNS)[number], string>;

const FAIL_STATES: ReadonlySet<InstructionState> = new Set(['FAILING', 'REJECTED', 'PARTIALLY_SETTLED', 'PENDING']);

function lastReason(e: InstructionEntry): { code: string; text: string } {
  const part = e.settlement ?? e.processing ?? e.matching;
  const r = part?.reasons[0];
  return r === undefined ? { code: '', text: '' } : { code: r.code, text: r.text ?? reasonText(r.code) };
}

/**
 * Instructions still open after what the depository reported: failing, rejected, partially settled
 * or pending (with `includeUnreported`, also those with no status yet). By member, then ISIN.
 */
export function failsByMember(book: InstructionBook, member?: string, includeUnreported = false): FailRow[] {
  const rows: FailRow[] = [];
  for (const e of book.entries()) {
    if (member !== undefined && e.member !== member) continue;
    if (e.state === 'SETTLED') continue;
    if (!FAIL_STATES.has(e.state) && !includeUnreported) continue;
    const r = lastReason(e);
    rows.push({
      member: e.member,
      instructionId: e.id,
      isin: e.isin,
      settlDate: isoDate(e.settlDate),
      side: e.side,
      quantity: String(e.quantity),
      settledQty: String(e.settledQty),
      openQty: String(e.quantity - e.settledQty),
      openAmount: fixedTextBig(e.amount - e.settledAmount, 4),
      state: e.state,
      reason: r.code,
      reasonText: r.text,
    });
  }
  return rows.sort((a, b) => (a.member < b.member ? -1 : a.member > b.member ? 1 : a.instructionId < b.instructionId ? -1 : 1));
}

/** Plain-text table of rows (for the CLI): a header line, then one line per row, columns padded. */
export function formatTable<K extends string>(columns: readonly K[], rows: readonly Record<K, string>[]): string {
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line([...columns]), ...rows.map((r) => line(columns.map((c) => r[c])))].join('\n') + '\n';
}
