/**
 * Settlement room: input and output types of a settlement cycle, the status read-back contract, and
 * the error codes.
 *
 * Modelled on NSCC's public CNS descriptions and on ISO 20022; NOT DTCC-certified. NSCC/DTCC record
 * layouts are members-only; nothing here claims to reproduce them.
 *
 * The settlement room is a pure library: it knows no engine, journal or FIX. The gateway maps the
 * engine's net positions into a `CycleInput` (one row per member per security due on the cycle's
 * settlement date) and calls `closeCycle`; it reads status messages back through a
 * `SettlementTarget` it implements over the engine.
 *
 * Units (as src/engine/types.ts): quantity = integer units (safe integer); price = mantissa at 10^-9
 * (safe integer); money = mantissa at 10^-4 (safe integer in rows, `bigint` in sums and in derived
 * values that can pass 2^53). Dates are `yyyymmdd` integers. Signs: quantity long (to receive) +,
 * money owed to the member +.
 *
 * Stateless types; no thread ownership.
 */

// ------------------------------------------------------------------------------------------ errors

/** `GatewayError.code`s thrown by src/settlement. */
export const SettlementErrorCode = {
  /** The cycle input is invalid (unknown member/security, bad id, out-of-range value...). */
  INPUT: 'SETTLEMENT_INPUT',
  /** Per security the members' net quantities do not sum to zero: the CCP would keep a position. */
  UNBALANCED_QTY: 'SETTLEMENT_UNBALANCED_QTY',
  /** The members' contract money does not sum to zero: the CCP's cash leg would not be flat. */
  UNBALANCED_MONEY: 'SETTLEMENT_UNBALANCED_MONEY',
  /** The cycle was already closed into this output folder; closed cycles are never overwritten. */
  CYCLE_CLOSED: 'SETTLEMENT_CYCLE_CLOSED',
  /** Writing the cycle failed (I/O); nothing was published. */
  WRITE: 'SETTLEMENT_WRITE',
  /** A text cannot be written as XML 1.0 (a control character, a lone surrogate). */
  XML_CHAR: 'SETTLEMENT_XML_CHAR',
  /** A written or received XML file is not valid against its ISO 20022 schema (xmllint said so). */
  XML_INVALID: 'SETTLEMENT_XML_INVALID',
  /** Validation was required but xmllint (libxml2-utils) is not installed. */
  XMLLINT_MISSING: 'SETTLEMENT_XMLLINT_MISSING',
  /** The ISO 20022 XSD folder (…/iso20022/xsd) was not found. */
  XSD_MISSING: 'SETTLEMENT_XSD_MISSING',
  /** A status message is not well-formed XML or lacks an element this reader needs. */
  MSG_MALFORMED: 'SETTLEMENT_MSG_MALFORMED',
  /** A status message of a type or version this reader does not handle. */
  MSG_UNKNOWN_TYPE: 'SETTLEMENT_MSG_UNKNOWN_TYPE',
  /** A status message for an instruction id this gateway never wrote (or whose cycle is not loaded). */
  MSG_UNKNOWN_INSTRUCTION: 'SETTLEMENT_MSG_UNKNOWN_INSTRUCTION',
  /** The message contradicts the instruction (security, direction, date, quantity, amount). */
  MSG_MISMATCH: 'SETTLEMENT_MSG_MISMATCH',
  /** A confirmation settles more than remains open, or a status arrives for a settled instruction. */
  MSG_STATE: 'SETTLEMENT_MSG_STATE',
  /** The same message (AppHdr BizMsgIdr, or identical bytes) was applied before. */
  MSG_DUPLICATE: 'SETTLEMENT_MSG_DUPLICATE',
  /** The settlement target (the engine) refused to apply the settlement. */
  TARGET_REJECTED: 'SETTLEMENT_TARGET_REJECTED',
  /** A closed cycle's files could not be read back (missing or not this format). */
  CYCLE_READ: 'SETTLEMENT_CYCLE_READ',
} as const;
export type SettlementErrorCode = (typeof SettlementErrorCode)[keyof typeof SettlementErrorCode];

// ------------------------------------------------------------------------------------------ cycle input

/** A postal address (ISO 20022 PostalAddress1 / PostalAddress24 subset). */
export interface PostalAddress {
  /** Free-form lines, at most 5, each 1..70 characters. */
  lines?: readonly string[];
  street?: string;
  buildingNumber?: string;
  postCode?: string;
  town?: string;
  countrySubDivision?: string;
  /** ISO 3166-1 alpha-2, e.g. US. */
  country: string;
}

/** The central counterparty: sender of every message and counterparty of every instruction. */
export interface CcpParty {
  /** BIC (8 or 11), e.g. NSCCUS33XXX. */
  bic: string;
  lei: string;
  /** 1..140 characters. */
  name: string;
}

/** The depository the instructions are sent to. Everything here is configuration. */
export interface DepositoryParty {
  /**
   * When set, the depository is addressed by BIC (AppHdr To, settlement parties, place of
   * safekeeping). When absent it is addressed by `name` and `address` (which is then required).
   */
  bic?: string;
  lei?: string;
  /** 1..140 characters. */
  name: string;
  address?: PostalAddress;
  /** The CCP's securities (CNS) account at the depository: the counterparty account of every instruction. */
  safekeepingAccount: string;
  /** AppHdr BizSvc, e.g. the depository's service name; omitted when absent. 1..35 characters. */
  businessService?: string;
}

export interface CycleMember {
  /** Member id, 1..8 of A-Z 0-9 (codec/ids memberId). */
  id: string;
  lei: string;
  /** When set, the member is identified by BIC in the ISO 20022 messages; else by its id issued by the CCP. */
  bic?: string;
  /** 1..140 characters. */
  name: string;
  /** The member's cash (settlement) account, 1..34 characters. */
  cashAccount: string;
  /** The member's securities account at the depository, 1..35 characters. */
  securitiesAccount: string;
}

export interface CycleSecurity {
  isin: string;
  /** Written as an additional identifier (type CUSP) when given; must match the ISIN's CUSIP part for US ISINs. */
  cusip?: string;
  /** System (settlement) price, 10^-9 mantissa, > 0: values every obligation of this security. */
  price: number;
  /** ISO 4217; must equal the cycle's currency when given. */
  currency?: string;
}

/**
 * One member's net position in one security due on the cycle's settlement date. `netQty`/`netMoney`
 * are the position from new activity; `failQty`/`failMoney` the open (failed) obligation carried into
 * this date from earlier settlement dates (the engine's rollForward). The obligation settles the sum.
 */
export interface CyclePosition {
  member: string;
  isin: string;
  /** Long (to receive) +, short (to deliver) −. */
  netQty: number;
  /** Contract money, 10^-4, owed to the member + (a long position owes money: negative). */
  netMoney: number;
  /** Carried fail quantity, same sign convention; 0 when none. */
  failQty?: number;
  /** Carried fail contract money, 10^-4; 0 when none. */
  failMoney?: number;
  /** Original settlement date of the carried fail (reported in secl.010); defaults to the cycle's settlDate. */
  failSettlDate?: number;
}

export interface CycleInput {
  /** 1..12 of A-Z a-z 0-9; part of every instruction id (see README, "Instruction ids"). */
  cycleId: string;
  /** Settlement date of every obligation of this cycle, yyyymmdd. */
  settlDate: number;
  /** Clearing business date the positions were frozen on (trade date in the instructions), yyyymmdd. */
  businessDate: number;
  /**
   * Creation time written into every AppHdr (CreDt) and report, ISO 8601 UTC
   * (`2026-11-24T22:00:00Z`, optional fraction). Taken from the input, never from the clock, so that
   * re-running a cycle gives identical bytes.
   */
  createdAt: string;
  /** ISO 4217 settlement currency of the cycle, e.g. USD. */
  currency: string;
  ccp: CcpParty;
  depository: DepositoryParty;
  members: readonly CycleMember[];
  securities: readonly CycleSecurity[];
  positions: readonly CyclePosition[];
}

// ------------------------------------------------------------------------------------------ computed cycle

export type ObligationSide = 'RECEIVE' | 'DELIVER' | 'FLAT';

/** One member × security obligation as computed (exact values; text formatting happens in the writers). */
export interface Obligation {
  readonly member: CycleMember;
  readonly security: CycleSecurity;
  readonly side: ObligationSide;
  /** newNetQty + failQty, signed. */
  readonly netQty: number;
  /** |netQty|. */
  readonly quantity: number;
  readonly newNetQty: number;
  readonly failQty: number;
  readonly newMoney: number;
  readonly failMoney: number;
  readonly failSettlDate: number;
  /** newMoney + failMoney, owed to the member +. Money fields of one obligation are safe integers (10^-4). */
  readonly contractMoney: number;
  /** |netQty| × price, rounded HALF_EVEN to 10^-4: the cash leg of the DVP/RVP instruction. */
  readonly settlementValue: number;
  /** Member's cash leg of the instruction: −value for a receipt (member pays), +value for a delivery. */
  readonly dvpMoney: number;
  /** contractMoney − dvpMoney: settled in the money settlement, outside the DVP (member receives +). */
  readonly markToMarket: number;
  /** sese.023 TxId / secl.010 SttlmOblgtnId; '' for FLAT rows (no securities movement, no instruction). */
  readonly instructionId: string;
}

export interface SecurityTotal {
  security: CycleSecurity;
  /** Gross quantity received by members (= delivered by the CCP). */
  receiveQty: bigint;
  /** Gross quantity delivered by members (= received by the CCP); equals receiveQty in a closed cycle. */
  deliverQty: bigint;
  receiveValue: bigint;
  deliverValue: bigint;
  newNetQty: bigint;
  failQty: bigint;
  /** Σ members' netQty; the CCP's leg is its negation; 0 in a closed cycle. */
  netQty: bigint;
  contractMoney: bigint;
  markToMarket: bigint;
  obligations: number;
  instructions: number;
}

export interface MoneyRow {
  kind: 'MEMBER' | 'CCP' | 'TOTAL';
  /** Member id; the CCP's BIC for the CCP row; '' for the total. */
  party: string;
  lei: string;
  cashAccount: string;
  /** Cash paid for receipts (RVP), ≥ 0. */
  dvpPaid: bigint;
  /** Cash received for deliveries (DVP), ≥ 0. */
  dvpReceived: bigint;
  /** Mark-to-market (contract vs settlement value), receives +. */
  markToMarket: bigint;
  /** dvpReceived − dvpPaid + markToMarket; receives +. */
  net: bigint;
}

export interface CycleComputation {
  input: CycleInput;
  /** Sorted by member id, then ISIN (UTF-16 code unit order = byte order for these ASCII ids). */
  obligations: Obligation[];
  /** Sorted by ISIN. */
  securityTotals: SecurityTotal[];
  /** Members (sorted by id), then the CCP, then the total (net 0). */
  money: MoneyRow[];
  /** Members sorted by id, and their obligations with an instruction (quantity ≠ 0), same order. */
  members: CycleMember[];
  instructionsByMember: Map<string, Obligation[]>;
  instructionCount: number;
}

// ------------------------------------------------------------------------------------------ close

export interface CloseOptions {
  /**
   * Validate the XML with xmllint against the ISO 20022 XSDs before publishing the cycle:
   * - true: every file (error when xmllint is missing); 'ifAvailable': every file when xmllint is
   *   on the PATH, else none;
   * - 'sample': before writing anything, one message of every shape this cycle produces (member
   *   with/without BIC × DELI/RECE × with/without a carried fail and new activity × with/without
   *   CUSIP), rendered by the same writers. The files are made of fixed fragments and of values
   *   whose XSD facets computeCycle already checked, so this proves the cycle's structure at a
   *   cost independent of its size (README, "Validation");
   * - false (default): none.
   * An invalid file aborts the close (SETTLEMENT_XML_INVALID): nothing is published.
   */
  validate?: boolean | 'ifAvailable' | 'sample';
  /** Folder holding the ISO 20022 XSDs; default `$GATEWAY_REFDATA/iso20022/xsd` or `<cwd>/../shared/data/iso20022/xsd`. */
  xsdDir?: string;
  /** xmllint processes run at once (default: available parallelism). */
  validateParallelism?: number;
}

export interface WrittenFile {
  /** Path relative to the cycle folder, '/' separated. */
  path: string;
  bytes: number;
  sha256: string;
}

export interface CloseResult {
  cycleId: string;
  /** The published cycle folder. */
  dir: string;
  files: WrittenFile[];
  totalBytes: number;
  obligations: number;
  instructions: number;
  /** What was validated with xmllint before publishing. */
  validation: 'all' | 'sample' | 'none';
  /** Milliseconds spent: computing, validating the sample (validate 'sample'), writing (incl. fsync), waiting for validation after the last write. */
  timings: { computeMs: number; sampleValidateMs: number; writeMs: number; validateWaitMs: number; totalMs: number };
}

// ------------------------------------------------------------------------------------------ read back

/** What a status message did to an instruction; returned for logs and the admin API. */
export type SettleOutcome = { ok: true } | { ok: false; code: string; text: string };

/** Where the read-back applies a settlement; the gateway implements it over the engine. */
export interface SettlementTarget {
  /**
   * Settled quantity leaves the position: `qty` and `money` are the settled part in the position's
   * own sign convention (a receipt: qty +, money − (paid); a delivery: qty −, money + (received)),
   * so the engine subtracts them from the open position. `money` is the DVP cash leg at the
   * settlement price, 10^-4. `ref` identifies the message (for idempotency and the journal).
   */
  settle(member: string, isin: string, settlDate: number, qty: number, money: number, ref?: MessageRef): SettleOutcome;
  /** The instruction is failing (or was rejected/cancelled by the depository): it stays open as a fail. */
  markFailed(member: string, isin: string, settlDate: number, reasonCode: string, text: string, ref?: MessageRef): void;
}

export interface MessageRef {
  /** AppHdr BizMsgIdr, or `sha256:<hex>` of the file when the message has no header. */
  messageId: string;
  instructionId: string;
  file: string;
}
