/**
 * Shared by the gateway-level tests (test/gateway, test/interop): a valid FIX 4.4 TradeCaptureReport
 * body, and the session events a closed gateway's journal holds.
 */
import { SessionLogoutDecoder } from '../../src/generated/gateway-internal/SessionLogout.js';
import { SessionLogonDecoder } from '../../src/generated/gateway-internal/SessionLogon.js';
import { Journal, RECORD_HEADER_LENGTH } from '../../src/journal/journal.js';

/** Body of a FIX 4.4 TradeCaptureReport with TradeReportID `id` (37 OrderID inside the side entry, as 4.4 requires). */
export function tcrFields(id: string): [number, string][] {
  return [
    [571, id],
    [487, '0'],
    [856, '0'],
    [570, 'N'],
    [55, 'AAPL'],
    [48, 'US0378331005'],
    [22, '4'],
    [32, '100'],
    [31, '187.25'],
    [75, '20261124'],
    [60, '20261124-10:00:00.000'],
    [552, '1'],
    [54, '1'],
    [37, 'O1'],
  ];
}

export interface SessionEvents {
  /** sessionId of each SessionLogon record, in journal order. */
  logons: number[];
  logouts: { sessionId: number; reason: number; text: string }[];
}

/** SessionLogon / SessionLogout records of the journal at `dir` (the gateway must be closed). */
export async function sessionEvents(dir: string, segmentBytes?: number): Promise<SessionEvents> {
  const logons: number[] = [];
  const logouts: SessionEvents['logouts'] = [];
  const out = new SessionLogoutDecoder();
  const j = Journal.open({ dir, durability: 'os', segmentBytes }, (_type, sessionId, _pos, buf, offset) => {
    const body = offset + RECORD_HEADER_LENGTH;
    const template = buf[body + 2]! | (buf[body + 3]! << 8);
    const block = buf[body]! | (buf[body + 1]! << 8);
    const version = buf[body + 6]! | (buf[body + 7]! << 8);
    if (template === SessionLogonDecoder.TEMPLATE_ID) logons.push(sessionId);
    if (template === SessionLogoutDecoder.TEMPLATE_ID) {
      out.wrap(buf, body + 8, block, version);
      logouts.push({ sessionId, reason: out.reason(), text: out.text() });
    }
  });
  await j.close();
  return { logons, logouts };
}
