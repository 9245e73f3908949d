/**
 * Error codes the clearing engine throws at its edges: construction (reference data, configuration,
 * business date) and internal commands whose caller is the gateway itself (settlement cycle,
 * roll-forward, price updates). Member commands never throw: they get a 751 reject (TradeOutcome) or a
 * rejected PositionMaintOutcome.
 *
 * Stateless; safe on any thread.
 */
export const EngineErrorCode = {
  /** A security definition is invalid (ISIN/CUSIP check digit, lot, price, band, currency). */
  ENGINE_REFDATA_SECURITY: 'ENGINE_REFDATA_SECURITY',
  /** Two securities share an ISIN or a CUSIP. */
  ENGINE_REFDATA_DUPLICATE_SECURITY: 'ENGINE_REFDATA_DUPLICATE_SECURITY',
  /** A member definition is invalid (id, LEI, accounts, limits). */
  ENGINE_REFDATA_MEMBER: 'ENGINE_REFDATA_MEMBER',
  /** Two members share an id. */
  ENGINE_REFDATA_DUPLICATE_MEMBER: 'ENGINE_REFDATA_DUPLICATE_MEMBER',
  /** The calendar is invalid (holiday not a date, settlement cycle out of range). */
  ENGINE_REFDATA_CALENDAR: 'ENGINE_REFDATA_CALENDAR',
  /** The engine configuration is invalid (onRiskBreach, unmatchedAgeDays). */
  ENGINE_CONFIG: 'ENGINE_CONFIG',
  /** A business date that is not a business day, or not after the current one. */
  ENGINE_BUSINESS_DATE: 'ENGINE_BUSINESS_DATE',
  /** An internal command named an unknown member or security. */
  ENGINE_UNKNOWN: 'ENGINE_UNKNOWN',
  /** An internal command's argument is out of range (date, quantity, money, price). */
  ENGINE_ARGUMENT: 'ENGINE_ARGUMENT',
  /** settle() asked to settle more than is open, or in the wrong direction. */
  ENGINE_SETTLE: 'ENGINE_SETTLE',
  /** An exact value would leave the safe-integer range where no reject is possible. */
  ENGINE_RANGE: 'ENGINE_RANGE',
} as const;

export type EngineErrorCode = (typeof EngineErrorCode)[keyof typeof EngineErrorCode];
