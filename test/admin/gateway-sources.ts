/**
 * AdminSources over a RunningGateway, as the browser test composes them. This is the shape the
 * gateway's own wiring (src/gateway, E4) should take; it lives in test/ because only gateway/ composes
 * parts in src and this task does not own it.
 *
 * With a `clearing` section the rows come from the composed engine (gw.clearing): positions and
 * obligations from ClearingEngine, margin from the last marginCalculated event of each member as the
 * journal sink keeps it (requirement, collateral value), the margin-call flag being requirement >
 * collateral. Without one (session-only configurations) they are empty. The remote address is read from
 * the acceptor's private connection table: SessionAcceptor has no public accessor for it yet.
 */
import type { AdminSources, MarginRow, ObligationsResult, PositionRow, SessionRow } from '../../src/admin/sources.js';
import type { GatewayMetrics } from '../../src/admin/metrics.js';
import type { RunningGateway } from '../../src/gateway/gateway.js';
import { SessionAcceptor, type Session } from '../../src/session/session.js';
import type { ConnectionInfo } from '../../src/transport/transport.js';

export function gatewaySources(gw: RunningGateway, startedAtMs: number): AdminSources {
  // SessionAcceptor keeps ConnectionInfo per connection in a private map; until it exposes
  // connectionInfo(session), read it here (test code only).
  const conns = (gw.acceptor as unknown as { conns: Map<number, { info: ConnectionInfo }> }).conns;
  const live = (): Map<string, Session> => {
    const m = new Map<string, Session>();
    for (const s of gw.acceptor.allSessions()) m.set(s.key, s);
    return m;
  };
  return {
    sessions(): SessionRow[] {
      const byKey = live();
      return gw.directory.sessions.map((cfg) => {
        const s = byKey.get(SessionAcceptor.keyOf(cfg));
        const info = s !== undefined && s.connectionId >= 0 ? conns?.get(s.connectionId)?.info : undefined;
        return {
          sessionId: cfg.sessionId,
          member: cfg.member,
          beginString: cfg.beginString,
          senderCompId: cfg.senderCompId,
          targetCompId: cfg.targetCompId,
          state: s === undefined ? 'disconnected' : s.loggedOn ? 'logged-on' : s.connectionId >= 0 ? 'connected' : 'disconnected',
          loggedOn: s?.loggedOn ?? false,
          nextInSeq: s?.nextTargetSeq ?? 1,
          nextOutSeq: s?.nextSenderSeq ?? 1,
          remoteAddress: info?.remoteAddress ?? null,
          remotePort: info?.remotePort ?? null,
          tls: info?.tls ?? null,
        };
      });
    },
    positions(member?: string): PositionRow[] {
      const e = gw.clearing?.engine;
      if (e === undefined) return [];
      return e.positions(member).map((p) => ({ member: p.member, isin: p.isin, settlDate: p.settlDate, netQty: p.netQty, netMoney: p.netMoney }));
    },
    margin(): MarginRow[] {
      const c = gw.clearing;
      if (c?.engine === undefined) return [];
      return c.engine.refdata.members.map((m) => {
        const requirement = c.sink.requirement.get(m.id) ?? 0n;
        const collateralValue = c.sink.collateralValue.get(m.id) ?? 0n;
        return { member: m.id, requirement, collateralValue, marginCall: requirement > collateralValue };
      });
    },
    obligations(settlDate?: number): ObligationsResult {
      const e = gw.clearing?.engine;
      if (e === undefined) return { settlDate: null, rows: [] };
      // Default: the earliest settlement date with a position (the next one to settle).
      let date = settlDate;
      if (date === undefined) for (const p of e.positions()) if (date === undefined || p.settlDate < date) date = p.settlDate;
      if (date === undefined) return { settlDate: null, rows: [] };
      const r = e.obligations(date);
      return { settlDate: r.settlDate, rows: r.members.map((o) => ({ member: o.member, isin: o.isin, settlDate: o.settlDate, netQty: o.netQty, netMoney: o.netMoney })) };
    },
    health() {
      const j = gw.store.journal;
      const failure = j.failure();
      return {
        journal: { durablePosition: j.durablePosition(), endPosition: j.endPosition(), failure: failure === null ? null : failure.message },
        ready: { journal: failure === null, fix: gw.listeners.length > 0, ...(gw.clearing ? { engine: gw.clearing.engine !== undefined } : {}) },
        startedAtMs,
      };
    },
  };
}

/** Gauges sampled at scrape time from the running gateway. */
export function gatewayCollector(gw: RunningGateway, metrics: GatewayMetrics): () => void {
  return () => {
    const j = gw.store.journal;
    metrics.setJournalLag(Math.max(0, j.endPosition() - Math.max(j.durablePosition(), 0)));
    let on = 0;
    for (const s of gw.acceptor.allSessions()) if (s.loggedOn) on++;
    metrics.setSessionsLoggedOn(on);
  };
}
