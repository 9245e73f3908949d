/**
 * The settlement room's public API (what the gateway and its CLI/admin import).
 *
 * Modelled on NSCC's public CNS descriptions and on ISO 20022; NOT DTCC-certified. See README.md in
 * this folder for the file formats, the envelope, the instruction id scheme and the read-back rules.
 */
export * from './types.js';
export { computeCycle, instructionId, parseInstructionId } from './compute.js';
export { closeCycle, sampleShapes, CYCLE_FILES, MANIFEST_FORMAT } from './close.js';
export { CNS_COLUMNS, MONEY_COLUMNS, CNS_FORMAT, MONEY_FORMAT, FORMAT_VERSION, DISCLAIMER } from './report-files.js';
export { NS, MSG_DEF, envelopeXsd } from './xml.js';
export { xmllintAvailable, defaultXsdDir, SchemaSet, runXmllint } from './xmllint.js';
export {
  InstructionBook,
  parseStatusMessage,
  sniffStatusMessage,
  readStatusMessage,
  type SniffedMessage,
  checkMessage,
  applyMessage,
  scanDropFolder,
  replayDone,
  DONE_DIR,
  REJECTED_DIR,
  type InstructionEntry,
  type InstructionState,
  type ParsedMessage,
  type AppliedMessage,
  type ScanOptions,
  type ScanResult,
  type RejectedFile,
  type StatusPart,
  type StatusReason,
} from './readback.js';
export {
  cycleReport,
  readCycleReport,
  obligationsByMember,
  carriedFailsByMember,
  moneyByMember,
  failsByMember,
  formatTable,
  FAIL_COLUMNS,
  type CycleReport,
  type CnsRow,
  type MoneySummaryRow,
  type FailRow,
} from './reports.js';
export { REASON_CODES, REASON_TEXT, reasonText } from './codes.js';
