/**
 * The intake-only application, for configurations without a `clearing` section (session-only setups:
 * tests, interop, the session layer's own benchmarks). With `clearing` the gateway composes the clearing
 * adapter instead (clearing-adapter.ts), which answers with the engine's outcome.
 *
 * A TradeCaptureReport (35=AE) is journaled by the session layer as it is consumed, and acknowledged
 * with a TradeCaptureReportAck (35=AR, TrdRptStatus 939=0: received and durable, not cleared), which
 * leaves only once the records behind it are durable (sendApp's cause). Other application messages get
 * a BusinessMessageReject "Unsupported Message Type" from the session layer.
 *
 * Thread: the session layer's JS thread.
 */
import type { InboundApp, OutField, SessionAcceptor, SessionApplication } from '../session/session.js';

/** Header-level fields of the report echoed on the ack so the member can match it. */
const ECHO: readonly number[] = [571, 487, 55, 48, 22];

export class Router implements SessionApplication {
  acceptor: SessionAcceptor | undefined;
  /** TradeCaptureReports acknowledged since start (operators, tests). */
  tradeReports = 0;

  onAppMessage(app: InboundApp): boolean {
    if (app.msgType !== 'AE') return false;
    const m = app.message;
    const f: OutField[] = [];
    for (const tag of ECHO) {
      const v = m.getString(tag);
      if (v !== undefined) f.push([String(tag), v]);
    }
    f.push(['150', 'F'], ['939', '0']);
    this.tradeReports++;
    this.acceptor!.sendApp(app.session, 'AR', f, app.position);
    return true;
  }
}
