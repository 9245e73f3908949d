/**
 * Status and reason code lists of sese.024.001.12 (copied verbatim from the XSD's enumerations), with
 * short descriptions of the common ones for humans (reports, error files).
 *
 * Modelled on NSCC's public CNS descriptions and on ISO 20022; not DTCC-certified.
 *
 * The XSD (checked by xmllint) is the authority on which codes are valid; these lists let the reader
 * check codes when xmllint is not installed and say what a code means. Stateless.
 */

/** sese.024 status groups → the reader's labels. */
export const PROCESSING_STATUS: Readonly<Record<string, string>> = {
  AckdAccptd: 'ACCEPTED',
  PdgPrcg: 'PENDING_PROCESSING',
  Rjctd: 'REJECTED',
  Rpr: 'REPAIR',
  Canc: 'CANCELLED',
  PdgCxl: 'PENDING_CANCELLATION',
  Prtry: 'PROPRIETARY',
  CxlReqd: 'CANCELLATION_REQUESTED',
  ModReqd: 'MODIFICATION_REQUESTED',
};
export const MATCHING_STATUS: Readonly<Record<string, string>> = { Mtchd: 'MATCHED', Umtchd: 'UNMATCHED', Prtry: 'PROPRIETARY' };
export const SETTLEMENT_STATUS: Readonly<Record<string, string>> = { Pdg: 'PENDING', Flng: 'FAILING', Prtry: 'PROPRIETARY' };

const list = (s: string): ReadonlySet<string> => new Set(s.split(' '));

/** Reason codes per status, as enumerated by sese.024.001.12.xsd (NORE = no reason specified, valid everywhere). */
export const REASON_CODES: Readonly<Record<string, ReadonlySet<string>>> = {
  // SettlementStatus/Pdg: PendingReason24Code
  Pdg: list(
    'AWMO ADEA CAIS REFU AWSH PHSE TAMM DOCY DOCC BLOC CHAS NEWI CLAC MUNO GLOB PREA PART NMAS NOFX CMON YCOL COLL DEPO FLIM INCA LINK FUTU LACK LALO MONY NCON REFS SDUT BATC SBLO CPEC MINO IAAD OTHR PHCK BENO BOTH CLHT DENO DISA DKNY FROZ LAAW LATE LIQU PRCY REGT SETS CERT PRSY CSDH CVAL CDLR INBC PREL PATD',
  ),
  // SettlementStatus/Flng: FailingReason4Code
  Flng: list(
    'AWMO BYIY CLAT ADEA CANR CAIS OBJT AWSH PHSE STCD DOCY MLAT DOCC BLOC CHAS NEWI CLAC MUNO GLOB PREA PART NOFX CMON YCOL COLL DEPO FLIM INCA LINK LACK LALO MONY NCON REFS SDUT BATC CYCL SBLO CPEC MINO IAAD OTHR PHCK BENO BOTH CLHT DENO DISA DKNY FROZ LAAW LATE LIQU PRCY REGT SETS CERT PRSY CDLR CSDH CVAL INBC PREL PATD',
  ),
  // ProcessingStatus/Rjctd: RejectionReason75Code
  Rjctd: list(
    'SAFE DQUA ADEA DSEC LATE CASH DDEA DTRD PLCE RTGS NCRR PHYS REFE DMON MINO BATC MUNO TXST SETS IIND CAEV CASY DDAT SETR SDUT INPS OTHR ICUS ICAG DEPT IEXE INVB INVL INVN VALR INVE PLIS',
  ),
  // ProcessingStatus/PdgPrcg: PendingProcessingReason4Code
  PdgPrcg: list('ADEA CAIS DOCY NOFX BLOC MUNO GLOB YCOL COLL FLIM NEXT LACK LALO MONY MINO OTHR DENO LIQU CERT CSDH CVAL CDEL CDLR CDAC INBC PREA PRSY'),
  // MatchingStatus/Umtchd: UnmatchedReason11Code
  Umtchd: list(
    'ADEA ACRU IIND CPCA CLAT NCRR DDEA DMCT DCMX DSEC DQUA INVE LEOG LATE MIME CMIS NMAS DTRA OTHR FRAP PHYS PLIS INPS PLCE PODU DEPT ICAG ICUS IEXE REGD RTGS SAFE DMON DDAT SETS SETR TXST DTRD DELN UNBR',
  ),
  // ProcessingStatus/Canc: CancelledStatusReason16Code
  Canc: list('SCEX OTHR CXLR BYIY CTHP CANZ CANT CSUB CANS CANI CORP'),
  // ProcessingStatus/Rpr: RepairReason4Code
  Rpr: list('BATC CAEV CASH CASY DDAT DDEA DMON DQUA DSEC DTRD IIND MINO MUNO NCRR PHYS PLCE REFE RTGS SAFE SETR SETS TXST INPS SDUT OTHR IEXE ICAG DEPT ICUS'),
  // ProcessingStatus/AckdAccptd: AcknowledgementReason5Code
  AckdAccptd: list('ADEA SMPG OTHR CDCY CDRG CDRE NSTP RQWV LATE'),
  // ProcessingStatus/PdgCxl: PendingReason6Code
  PdgCxl: list('ADEA CONF OTHR CDRG CDCY CDRE'),
};

/** Short meanings of common codes (ISO 20022 external code descriptions, abridged). */
export const REASON_TEXT: Readonly<Record<string, string>> = {
  NORE: 'no reason specified',
  LACK: 'insufficient securities in the account',
  MONY: 'insufficient money in the account',
  CLAC: 'counterparty has insufficient securities',
  CMON: 'counterparty has insufficient money',
  FUTU: 'awaiting the settlement date',
  PART: 'settling in partials',
  LATE: 'market deadline missed',
  CYCL: 'awaiting the next settlement cycle',
  LINK: 'pending a linked instruction',
  BLOC: 'account blocked',
  SBLO: 'securities blocked',
  ADEA: 'account servicer deadline missed',
  OTHR: 'other (see the narrative)',
  SAFE: 'unrecognised or invalid safekeeping account',
  DSEC: 'unrecognised or invalid financial instrument',
  DQUA: 'unrecognised or invalid settlement quantity',
  DDAT: 'unrecognised or invalid settlement date',
  DMON: 'unrecognised or invalid settlement amount',
  DTRD: 'unrecognised or invalid trade date',
};

export function reasonText(code: string): string {
  return REASON_TEXT[code] ?? 'see ISO 20022 external code list';
}
