/**
 * Status read-back: sese.024.001.12 status advice and sese.025.001.11 confirmations from the
 * depository, matched to the instructions this gateway wrote, checked, then applied to a
 * `SettlementTarget` (the engine, through the gateway) and to the `InstructionBook`.
 *
 * Modelled on NSCC's public CNS descriptions and on ISO 20022; NOT DTCC-certified.
 *
 * Matching: a message refers to an instruction by the sese.023 TxId we wrote (`<cycleId>-<member>-
 * <ISIN>`, see README "Instruction ids"), which the depository returns as TxId/AcctOwnrTxId
 * (sese.024) or TxIdDtls/AcctOwnrTxId (sese.025). The book holds every instruction of the loaded
 * cycles (read from their cns-obligations.json), so an unknown id is rejected.
 *
 * Never half-applied: a message is parsed and validated completely (well-formedness, the ISO XSD
 * via xmllint when available, then every check against the instruction and the book's state)
 * before anything is applied; it then makes at most one target call (settle or markFailed). A
 * target that refuses a settlement leaves the book untouched.
 *
 * Effects:
 *  - sese.025 (settled quantity q, amount a): target.settle(±q, ∓a); the instruction's open
 *    quantity falls by q. A partial confirmation leaves the rest open (state PARTIALLY_SETTLED); a
 *    full one closes it (SETTLED).
 *  - sese.024 SttlmSts/Flng (failing, e.g. LACK, MONY): target.markFailed(reason); stays open.
 *  - sese.024 PrcgSts/Rjctd or Canc (the depository will not settle it): target.markFailed(reason).
 *  - other statuses (accepted, matched, unmatched, pending with a reason, repair…): recorded in the
 *    book only (reports show them).
 * Rolling an open obligation into the next cycle is the engine's (rollForward), not this module's.
 *
 * InstructionBook and the scan are owned by one thread (the gateway's event loop).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DOMParser } from '@xmldom/xmldom';
import type { Element as XElement } from '@xmldom/xmldom';
import { GatewayError, isGatewayError } from '../codec/errors.js';
import { CYCLE_FILES } from './close.js';
import { MATCHING_STATUS, PROCESSING_STATUS, REASON_CODES, SETTLEMENT_STATUS, reasonText } from './codes.js';
import { CNS_FORMAT, readTableJson } from './report-files.js';
import { parseUnsignedDecimal, ymdFromIso } from './text.js';
import { MSG_DEF, NS } from './xml.js';
import { SchemaSet, defaultXsdDir, runXmllint, xmllintAvailable } from './xmllint.js';
import { SettlementErrorCode as E, type MessageRef, type SettleOutcome, type SettlementTarget } from './types.js';

// ------------------------------------------------------------------------------------------ book

export type InstructionState = 'INSTRUCTED' | 'ACCEPTED' | 'MATCHED' | 'PENDING' | 'FAILING' | 'REJECTED' | 'PARTIALLY_SETTLED' | 'SETTLED';

export interface StatusReason {
  code: string;
  /** A proprietary (Prtry) reason rather than an ISO code. */
  proprietary: boolean;
  text?: string;
}

export interface StatusPart {
  /** ISO element name of the status, e.g. `Flng`, `AckdAccptd`. */
  iso: string;
  /** Reader's label, e.g. FAILING, ACCEPTED. */
  label: string;
  reasons: StatusReason[];
}

export interface InstructionEntry {
  id: string;
  cycleId: string;
  member: string;
  isin: string;
  settlDate: number;
  side: 'DELI' | 'RECE';
  quantity: number;
  /** Instructed cash leg, 10^-4. */
  amount: bigint;
  settledQty: number;
  settledAmount: bigint;
  processing?: StatusPart;
  matching?: StatusPart;
  settlement?: StatusPart;
  state: InstructionState;
  /** Message ids applied to this instruction, in order. */
  messages: string[];
}

/** Open instructions and their status, rebuilt from closed cycles (+ a drop folder's done/). */
export class InstructionBook {
  private readonly byId = new Map<string, InstructionEntry>();
  private readonly seenMessages = new Set<string>();

  get size(): number {
    return this.byId.size;
  }

  get(id: string): InstructionEntry | undefined {
    return this.byId.get(id);
  }

  /** Every instruction, in load order (cycle, member, ISIN). */
  entries(): IterableIterator<InstructionEntry> {
    return this.byId.values();
  }

  hasMessage(messageId: string): boolean {
    return this.seenMessages.has(messageId);
  }

  /** Load the instructions of a closed cycle folder (its cns-obligations.json). */
  loadCycle(cycleDir: string): number {
    const file = path.join(cycleDir, CYCLE_FILES.cnsJson);
    const doc = readTableJson(file, CNS_FORMAT);
    let n = 0;
    for (const r of doc.rows) {
      if (r['record'] !== 'OBLIGATION' || !r['instructionId']) continue;
      const id = r['instructionId'];
      if (this.byId.has(id)) throw new GatewayError(E.CYCLE_READ, `instruction ${id} is loaded twice`, { file, id });
      const amount = parseUnsignedDecimal(r['amount'] ?? '', 4);
      const settlDate = ymdFromIso(r['settlDate'] ?? '');
      if (amount === undefined || settlDate < 0) throw new GatewayError(E.CYCLE_READ, `bad row for ${id} in ${file}`, { file, id });
      this.byId.set(id, {
        id,
        cycleId: doc.cycleId,
        member: r['member']!,
        isin: r['isin']!,
        settlDate,
        side: r['side'] === 'DELIVER' ? 'DELI' : 'RECE',
        quantity: Number(r['quantity']),
        amount,
        settledQty: 0,
        settledAmount: 0n,
        state: 'INSTRUCTED',
        messages: [],
      });
      n++;
    }
    return n;
  }

  /** Record an applied message (used by `applyMessage` only). */
  record(e: InstructionEntry, m: ParsedMessage): void {
    this.seenMessages.add(m.messageId);
    e.messages.push(m.messageId);
    if (m.kind === 'sese025') {
      e.settledQty += m.confirmation!.settledQty;
      e.settledAmount += m.confirmation!.amount;
    } else {
      const s = m.status!;
      if (s.processing) e.processing = s.processing;
      if (s.matching) e.matching = s.matching;
      if (s.settlement) e.settlement = s.settlement;
    }
    e.state = stateOf(e);
  }
}

function stateOf(e: InstructionEntry): InstructionState {
  if (e.settledQty >= e.quantity) return 'SETTLED';
  if (e.processing?.iso === 'Rjctd' || e.processing?.iso === 'Canc') return 'REJECTED';
  if (e.settlement?.iso === 'Flng') return 'FAILING';
  if (e.settledQty > 0) return 'PARTIALLY_SETTLED';
  if (e.settlement?.iso === 'Pdg') return 'PENDING';
  if (e.matching?.iso === 'Mtchd') return 'MATCHED';
  if (e.processing?.iso === 'AckdAccptd') return 'ACCEPTED';
  return 'INSTRUCTED';
}

// ------------------------------------------------------------------------------------------ parsing

export interface StatusAdvice {
  processing?: StatusPart;
  matching?: StatusPart;
  settlement?: StatusPart;
  /** TxDtls when present: what the depository says the instruction is. */
  details?: { isin?: string; side: 'DELI' | 'RECE'; quantity?: number; settlDate?: number };
}

export interface Confirmation {
  side: 'DELI' | 'RECE';
  isin?: string;
  settledQty: number;
  /** Settled cash, 10^-4 (0 when the message carries no SttldAmt). */
  amount: bigint;
  direction?: 'CRDT' | 'DBIT';
  hasAmount: boolean;
  remainingQty?: number;
  effectiveSettlDate: number;
}

export interface ParsedMessage {
  file: string;
  kind: 'sese024' | 'sese025';
  /** Wrapped in a BizMsg envelope with an AppHdr. */
  enveloped: boolean;
  /** AppHdr BizMsgIdr, else `sha256:<hex>` of the file's bytes. */
  messageId: string;
  instructionId: string;
  status?: StatusAdvice;
  confirmation?: Confirmation;
}

function malformed(file: string, what: string): never {
  throw new GatewayError(E.MSG_MALFORMED, `${file}: ${what}`, { file });
}

function elements(el: XElement): XElement[] {
  const out: XElement[] = [];
  for (let n = el.firstChild; n !== null; n = n.nextSibling) if (n.nodeType === 1) out.push(n as XElement);
  return out;
}

/** Child element by local name within `ns`; undefined when absent. */
function child(el: XElement, name: string, ns: string): XElement | undefined {
  for (let n = el.firstChild; n !== null; n = n.nextSibling)
    if (n.nodeType === 1 && (n as XElement).localName === name && (n as XElement).namespaceURI === ns) return n as XElement;
  return undefined;
}

function at(el: XElement, ns: string, p: string): XElement | undefined {
  let cur: XElement | undefined = el;
  for (const name of p.split('/')) {
    if (cur === undefined) return undefined;
    cur = child(cur, name, ns);
  }
  return cur;
}

function textAt(el: XElement, ns: string, p: string): string | undefined {
  const e = at(el, ns, p);
  return e === undefined ? undefined : (e.textContent ?? '').trim();
}

function required(file: string, el: XElement, ns: string, p: string): string {
  const t = textAt(el, ns, p);
  if (t === undefined || t === '') malformed(file, `missing ${p}`);
  return t;
}

function side(file: string, t: string): 'DELI' | 'RECE' {
  if (t !== 'DELI' && t !== 'RECE') malformed(file, `SctiesMvmntTp must be DELI or RECE, not ${t}`);
  return t;
}

function quantity(file: string, t: string | undefined, what: string): number | undefined {
  if (t === undefined) return undefined;
  const q = parseUnsignedDecimal(t, 0);
  if (q === undefined || q > BigInt(Number.MAX_SAFE_INTEGER)) malformed(file, `${what} must be a whole, non-negative number of units, not ${t}`);
  return Number(q);
}

/** A status group (PrcgSts, MtchgSts, SttlmSts): which status, with which reasons. */
function statusPart(file: string, group: XElement | undefined, labels: Readonly<Record<string, string>>, ns: string): StatusPart | undefined {
  if (group === undefined) return undefined;
  const [s] = elements(group);
  const iso = s?.localName ?? '';
  if (s === undefined || s.namespaceURI !== ns || labels[iso] === undefined) malformed(file, `unknown status in ${group.localName}`);
  const reasons: StatusReason[] = [];
  if (iso === 'Prtry') {
    reasons.push({ code: required(file, s, ns, 'PrtrySts/Id'), proprietary: true });
  } else if (iso === 'Mtchd' || iso === 'CxlReqd' || iso === 'ModReqd') {
    // ProprietaryReason4: optional Rsn/Id, AddtlRsnInf.
    const code = textAt(s, ns, 'Rsn/Id');
    reasons.push({ code: code ?? 'NORE', proprietary: code !== undefined, text: textAt(s, ns, 'AddtlRsnInf') });
  } else if (child(s, 'NoSpcfdRsn', ns) !== undefined) {
    reasons.push({ code: 'NORE', proprietary: false });
  } else {
    for (const r of elements(s)) {
      if (r.localName !== 'Rsn') continue;
      const cd = textAt(r, ns, 'Cd/Cd');
      const prtry = textAt(r, ns, 'Cd/Prtry/Id');
      const code = cd ?? prtry;
      if (code === undefined) malformed(file, `${group.localName}/${iso}/Rsn without a code`);
      if (cd !== undefined && REASON_CODES[iso] !== undefined && !REASON_CODES[iso]!.has(cd))
        malformed(file, `${cd} is not a reason code of ${group.localName}/${iso}`);
      reasons.push({ code, proprietary: cd === undefined, text: textAt(r, ns, 'AddtlRsnInf') });
    }
    if (reasons.length === 0) malformed(file, `${group.localName}/${iso} gives neither NoSpcfdRsn nor Rsn`);
  }
  return { iso, label: labels[iso]!, reasons };
}

/** A well-formed status message whose type is known, not yet read (see `readStatusMessage`). */
export interface SniffedMessage {
  file: string;
  kind: 'sese024' | 'sese025';
  enveloped: boolean;
  messageId: string;
  document: XElement;
}

/**
 * First step of reading: well-formedness, envelope (BizMsg with AppHdr) or bare Document, and the
 * message type (sese.024.001.12 or sese.025.001.11). Throws SETTLEMENT_MSG_MALFORMED / _UNKNOWN_TYPE.
 */
export function sniffStatusMessage(file: string, bytes: Buffer): SniffedMessage {
  let doc;
  try {
    doc = new DOMParser({
      onError: (level, msg) => {
        if (level !== 'warning') throw new Error(msg);
      },
    }).parseFromString(bytes.toString('utf8'), 'text/xml');
  } catch (e) {
    malformed(file, `not well-formed XML: ${(e as Error).message.split('\n')[0]}`);
  }
  const root = doc.documentElement;
  if (root === null) malformed(file, 'no root element');
  let document: XElement = root;
  let messageId = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  let msgDefIdr: string | undefined;
  const enveloped = root.localName === 'BizMsg' && root.namespaceURI === NS.envelope;
  if (enveloped) {
    const hdr = child(root, 'AppHdr', NS.head);
    if (hdr === undefined) malformed(file, 'BizMsg without an AppHdr (head.001.001.03)');
    messageId = required(file, hdr, NS.head, 'BizMsgIdr');
    msgDefIdr = required(file, hdr, NS.head, 'MsgDefIdr');
    const d = elements(root).find((x) => x.localName === 'Document');
    if (d === undefined) malformed(file, 'BizMsg without a Document');
    document = d;
  }
  if (document.localName !== 'Document')
    throw new GatewayError(E.MSG_UNKNOWN_TYPE, `${file}: root element {${root.namespaceURI}}${root.localName} is not a Document or BizMsg`, { file });
  const ns = document.namespaceURI ?? '';
  const kind = ns === NS.sese024 ? 'sese024' : ns === NS.sese025 ? 'sese025' : undefined;
  if (kind === undefined)
    throw new GatewayError(E.MSG_UNKNOWN_TYPE, `${file}: ${ns || 'a Document without namespace'} is not sese.024.001.12 or sese.025.001.11`, { file, ns });
  if (msgDefIdr !== undefined && msgDefIdr !== MSG_DEF[kind]) malformed(file, `AppHdr MsgDefIdr ${msgDefIdr} does not match the Document (${MSG_DEF[kind]})`);
  return { file, kind, enveloped, messageId, document };
}

/** Parse one status message (both steps, without schema validation). Throws SETTLEMENT_MSG_*. */
export function parseStatusMessage(file: string, bytes: Buffer): ParsedMessage {
  return readStatusMessage(sniffStatusMessage(file, bytes));
}

/** Second step of reading: the fields this reader needs, with the code-list checks. Throws SETTLEMENT_MSG_MALFORMED. */
export function readStatusMessage(sniffed: SniffedMessage): ParsedMessage {
  const { file, kind, enveloped, messageId, document } = sniffed;
  const ns = document.namespaceURI!;
  if (kind === 'sese024') {
    const body = child(document, 'SctiesSttlmTxStsAdvc', ns) ?? malformed(file, 'missing SctiesSttlmTxStsAdvc');
    const instructionId = required(file, body, ns, 'TxId/AcctOwnrTxId');
    const status: StatusAdvice = {
      processing: statusPart(file, child(body, 'PrcgSts', ns), PROCESSING_STATUS, ns),
      matching: statusPart(file, child(body, 'MtchgSts', ns), MATCHING_STATUS, ns),
      settlement: statusPart(file, child(body, 'SttlmSts', ns), SETTLEMENT_STATUS, ns),
    };
    if (!status.processing && !status.matching && !status.settlement) malformed(file, 'status advice without PrcgSts, MtchgSts or SttlmSts');
    const tx = child(body, 'TxDtls', ns);
    if (tx !== undefined) {
      const d = textAt(tx, ns, 'SttlmDt/Dt/Dt') ?? textAt(tx, ns, 'SttlmDt/Dt/DtTm');
      status.details = {
        isin: textAt(tx, ns, 'FinInstrmId/ISIN'),
        side: side(file, required(file, tx, ns, 'SctiesMvmntTp')),
        quantity: quantity(file, textAt(tx, ns, 'SttlmQty/Qty/Unit'), 'SttlmQty/Qty/Unit'),
        settlDate: d === undefined ? undefined : ymdFromIso(d),
      };
    }
    return { file, kind, enveloped, messageId, instructionId, status };
  }

  const body = child(document, 'SctiesSttlmTxConf', ns) ?? malformed(file, 'missing SctiesSttlmTxConf');
  const instructionId = required(file, body, ns, 'TxIdDtls/AcctOwnrTxId');
  const settledQty = quantity(file, textAt(body, ns, 'QtyAndAcctDtls/SttldQty/Qty/Unit'), 'QtyAndAcctDtls/SttldQty/Qty/Unit');
  if (settledQty === undefined) malformed(file, 'missing QtyAndAcctDtls/SttldQty/Qty/Unit (settled quantity in units)');
  if (settledQty === 0) malformed(file, 'settled quantity is 0');
  const amtText = textAt(body, ns, 'SttldAmt/Amt');
  let amount = 0n;
  if (amtText !== undefined) {
    const a = parseUnsignedDecimal(amtText, 4);
    if (a === undefined) malformed(file, `SttldAmt/Amt ${amtText} is not an amount with at most 4 decimals`);
    amount = a;
  }
  const dir = textAt(body, ns, 'SttldAmt/CdtDbtInd');
  const eff = textAt(body, ns, 'TradDtls/FctvSttlmDt/Dt/Dt') ?? textAt(body, ns, 'TradDtls/FctvSttlmDt/Dt/DtTm');
  const confirmation: Confirmation = {
    side: side(file, required(file, body, ns, 'TxIdDtls/SctiesMvmntTp')),
    isin: textAt(body, ns, 'FinInstrmId/ISIN'),
    settledQty,
    amount,
    direction: dir === 'CRDT' || dir === 'DBIT' ? dir : undefined,
    hasAmount: amtText !== undefined,
    remainingQty: quantity(file, textAt(body, ns, 'QtyAndAcctDtls/RmngToBeSttldQty/Unit'), 'RmngToBeSttldQty/Unit'),
    effectiveSettlDate: eff === undefined ? -1 : ymdFromIso(eff),
  };
  return { file, kind, enveloped, messageId, instructionId, confirmation };
}

// ------------------------------------------------------------------------------------------ checking and applying

export interface AppliedMessage {
  file: string;
  messageId: string;
  instructionId: string;
  kind: 'sese024' | 'sese025';
  /** The instruction's state after the message. */
  state: InstructionState;
  /** What reached the target: `settle` (qty, money), `markFailed` (reason) or nothing. */
  action: 'settle' | 'markFailed' | 'none';
  qty?: number;
  money?: number;
  reasonCode?: string;
}

function mismatch(m: ParsedMessage, what: string): never {
  throw new GatewayError(E.MSG_MISMATCH, `${m.file}: ${what} (instruction ${m.instructionId})`, { file: m.file, instructionId: m.instructionId });
}

function stateError(m: ParsedMessage, what: string): never {
  throw new GatewayError(E.MSG_STATE, `${m.file}: ${what} (instruction ${m.instructionId})`, { file: m.file, instructionId: m.instructionId });
}

/** Every check of a parsed message against the book; throws the reason it cannot be applied. */
export function checkMessage(book: InstructionBook, m: ParsedMessage): InstructionEntry {
  const e = book.get(m.instructionId);
  if (e === undefined)
    throw new GatewayError(E.MSG_UNKNOWN_INSTRUCTION, `${m.file}: no instruction ${m.instructionId} in the loaded cycles`, {
      file: m.file,
      instructionId: m.instructionId,
    });
  if (book.hasMessage(m.messageId))
    throw new GatewayError(E.MSG_DUPLICATE, `${m.file}: message ${m.messageId} was already applied`, { file: m.file, messageId: m.messageId });
  const open = e.quantity - e.settledQty;
  if (m.kind === 'sese024') {
    const s = m.status!;
    const d = s.details;
    if (d !== undefined) {
      if (d.isin !== undefined && d.isin !== e.isin) mismatch(m, `security ${d.isin} is not the instruction's ${e.isin}`);
      if (d.side !== e.side) mismatch(m, `movement ${d.side} is not the instruction's ${e.side}`);
      if (d.quantity !== undefined && d.quantity !== e.quantity) mismatch(m, `quantity ${d.quantity} is not the instructed ${e.quantity}`);
      if (d.settlDate !== undefined && d.settlDate !== e.settlDate) mismatch(m, `settlement date ${d.settlDate} is not the instruction's ${e.settlDate}`);
    }
    const final = s.settlement !== undefined || s.processing?.iso === 'Rjctd' || s.processing?.iso === 'Canc';
    if (open === 0 && final) stateError(m, 'status for an instruction that has settled in full');
    return e;
  }
  const c = m.confirmation!;
  if (c.isin !== undefined && c.isin !== e.isin) mismatch(m, `security ${c.isin} is not the instruction's ${e.isin}`);
  if (c.side !== e.side) mismatch(m, `movement ${c.side} is not the instruction's ${e.side}`);
  if (open === 0) stateError(m, 'confirmation for an instruction that has settled in full');
  if (c.settledQty > open) stateError(m, `settles ${c.settledQty} but only ${open} remain open`);
  if (c.remainingQty !== undefined && c.remainingQty !== open - c.settledQty)
    mismatch(m, `remaining quantity ${c.remainingQty} is not ${open - c.settledQty} (open ${open} − settled ${c.settledQty})`);
  if (!c.hasAmount) mismatch(m, 'a confirmation of a payment (APMT) instruction must carry SttldAmt');
  const want = e.side === 'RECE' ? 'DBIT' : 'CRDT';
  if (c.direction !== want) mismatch(m, `SttldAmt direction ${c.direction ?? 'missing'} is not ${want} for a ${e.side}`);
  const openAmount = e.amount - e.settledAmount;
  if (c.amount > openAmount) stateError(m, `settles an amount of ${c.amount} (10^-4) but only ${openAmount} remain open`);
  if (c.settledQty === open && c.amount !== openAmount) mismatch(m, `final settlement amount ${c.amount} is not the open ${openAmount} (10^-4)`);
  if (c.amount > BigInt(Number.MAX_SAFE_INTEGER)) stateError(m, 'amount beyond the engine’s safe range');
  return e;
}

/**
 * Check `m` against the book and apply it: at most one target call, then the book. Throws (with
 * nothing applied) when a check fails or the target refuses.
 */
export function applyMessage(book: InstructionBook, target: SettlementTarget, m: ParsedMessage): AppliedMessage {
  const e = checkMessage(book, m);
  const ref: MessageRef = { messageId: m.messageId, instructionId: e.id, file: m.file };
  const out: AppliedMessage = { file: m.file, messageId: m.messageId, instructionId: e.id, kind: m.kind, state: e.state, action: 'none' };
  if (m.kind === 'sese025') {
    const c = m.confirmation!;
    const qty = e.side === 'RECE' ? c.settledQty : -c.settledQty;
    const money = Number(e.side === 'RECE' ? -c.amount : c.amount);
    const r: SettleOutcome = target.settle(e.member, e.isin, e.settlDate, qty, money, ref);
    if (!r.ok)
      throw new GatewayError(E.TARGET_REJECTED, `${m.file}: the engine refused the settlement of ${e.id}: ${r.code} ${r.text}`, {
        file: m.file,
        instructionId: e.id,
        code: r.code,
      });
    Object.assign(out, { action: 'settle', qty, money });
  } else {
    const s = m.status!;
    const failing = s.settlement?.iso === 'Flng' ? s.settlement : s.processing?.iso === 'Rjctd' || s.processing?.iso === 'Canc' ? s.processing : undefined;
    if (failing !== undefined) {
      const r = failing.reasons[0]!;
      const text = `${failing.label}: ${r.code} (${r.text ?? reasonText(r.code)})`;
      target.markFailed(e.member, e.isin, e.settlDate, r.code, text, ref);
      Object.assign(out, { action: 'markFailed', reasonCode: r.code });
    }
  }
  book.record(e, m);
  out.state = e.state;
  return out;
}

// ------------------------------------------------------------------------------------------ drop folder

export interface ScanOptions {
  /** Validate each message against its XSD with xmllint first (default 'ifAvailable'). */
  validate?: boolean | 'ifAvailable';
  xsdDir?: string;
  /** Larger files are rejected unread (default 8 MiB). */
  maxFileBytes?: number;
}

export interface RejectedFile {
  file: string;
  code: string;
  message: string;
}

export interface ScanResult {
  applied: AppliedMessage[];
  rejected: RejectedFile[];
}

export const DONE_DIR = 'done';
export const REJECTED_DIR = 'rejected';
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*\.xml$/;

function moveInto(dir: string, sub: string, name: string): string {
  const target = path.join(dir, sub);
  fs.mkdirSync(target, { recursive: true });
  let dest = path.join(target, name);
  for (let i = 1; fs.existsSync(dest); i++) dest = path.join(target, `${name}.${i}`);
  fs.renameSync(path.join(dir, name), dest);
  return dest;
}

/** The regular files of `dir` not starting with '.', in name order (byte order of the names). */
function messageFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isFile() && !d.name.startsWith('.'))
    .map((d) => d.name)
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

/**
 * Process the drop folder `dir`: every regular file not starting with '.', in name order (byte
 * order of the names). Each is parsed and validated, checked against the book, applied (target,
 * then book) and moved to `done/`; a malformed, invalid, unknown or refused one is moved to
 * `rejected/` with `<name>.error.txt` beside it (code and message) and applies nothing.
 * Producers should write under a dot-name and rename when complete.
 *
 * Crash window: a crash after the target call and before the move leaves the file in place; it is
 * applied again on the next scan unless the target is idempotent per `ref.messageId` (the gateway's
 * journal records the message id with the settlement).
 */
export async function scanDropFolder(dir: string, book: InstructionBook, target: SettlementTarget, options: ScanOptions = {}): Promise<ScanResult> {
  const result: ScanResult = { applied: [], rejected: [] };
  const names = messageFiles(dir);
  if (names.length === 0) return result;

  const reject = (name: string, e: unknown): void => {
    const code = isGatewayError(e) ? e.code : E.MSG_MALFORMED;
    const message = e instanceof Error ? e.message : String(e);
    const dest = moveInto(dir, REJECTED_DIR, name);
    const tmp = `${dest}.error.txt.tmp`;
    fs.writeFileSync(tmp, `${code}\n${message}\n`);
    fs.renameSync(tmp, `${dest}.error.txt`);
    result.rejected.push({ file: name, code, message });
  };

  // 1. Read everything: well-formed, of a known type.
  const max = options.maxFileBytes ?? 8 << 20;
  const sniffed = new Map<string, SniffedMessage>();
  const failed = new Map<string, unknown>();
  for (const name of names) {
    try {
      if (!SAFE_NAME.test(name))
        throw new GatewayError(E.MSG_UNKNOWN_TYPE, `${name}: not a status message file name (expected [A-Za-z0-9][A-Za-z0-9._-]*.xml)`, { file: name });
      const size = fs.statSync(path.join(dir, name)).size;
      if (size > max) throw new GatewayError(E.MSG_MALFORMED, `${name}: ${size} bytes is more than the ${max} accepted`, { file: name });
      sniffed.set(name, sniffStatusMessage(name, fs.readFileSync(path.join(dir, name))));
    } catch (e) {
      failed.set(name, e);
    }
  }

  // 2. Schema validation, one xmllint run per schema.
  const mode = options.validate ?? 'ifAvailable';
  if (mode === true && !xmllintAvailable()) throw new GatewayError(E.XMLLINT_MISSING, 'validation requested but xmllint is not installed (Debian: libxml2-utils)');
  if (mode !== false && xmllintAvailable() && sniffed.size > 0) {
    const schemas = new SchemaSet(options.xsdDir ?? defaultXsdDir());
    try {
      const groups = new Map<string, string[]>();
      for (const [name, m] of sniffed) {
        const schema = m.enveloped ? schemas.envelope(m.kind) : schemas.document(m.kind);
        let g = groups.get(schema);
        if (g === undefined) groups.set(schema, (g = []));
        g.push(name);
      }
      for (const [schema, files] of groups)
        for (const v of await runXmllint(schema, files, dir, false))
          if (v.error !== undefined) {
            sniffed.delete(v.file);
            failed.set(v.file, new GatewayError(E.XML_INVALID, `${v.file}: not valid against ${path.basename(schema)}:\n${v.error}`, { file: v.file }));
          }
    } finally {
      schemas.dispose();
    }
  }

  // 3. Read the fields (code lists, quantities, amounts).
  const parsed = new Map<string, ParsedMessage>();
  for (const [name, m] of sniffed) {
    try {
      parsed.set(name, readStatusMessage(m));
    } catch (e) {
      failed.set(name, e);
    }
  }

  // 4. Check and apply in name order.
  for (const name of names) {
    const m = parsed.get(name);
    if (m === undefined) {
      reject(name, failed.get(name));
      continue;
    }
    let applied: AppliedMessage;
    try {
      applied = applyMessage(book, target, m);
    } catch (e) {
      reject(name, e);
      continue;
    }
    moveInto(dir, DONE_DIR, name);
    result.applied.push(applied);
  }
  return result;
}

/** A target that applies nothing (replaying already-applied messages into a book). */
const NO_TARGET: SettlementTarget = { settle: () => ({ ok: true }), markFailed: () => undefined };

/**
 * Rebuild the book's state from the messages already applied: every file of `<dropDir>/done/` in
 * name order, applied to the book only. Returns how many were replayed.
 */
export function replayDone(book: InstructionBook, dropDir: string): number {
  const done = path.join(dropDir, DONE_DIR);
  if (!fs.existsSync(done)) return 0;
  let n = 0;
  for (const name of messageFiles(done)) {
    applyMessage(book, NO_TARGET, parseStatusMessage(name, fs.readFileSync(path.join(done, name))));
    n++;
  }
  return n;
}
