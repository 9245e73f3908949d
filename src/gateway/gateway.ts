/**
 * The composed gateway: the journal (message store, audit trail, recovery log) under the session layer,
 * the member directory, the clearing engine behind its FIX adapter, and the FIX listeners on the
 * configured transport. `startGateway` recovers from the journal before it listens: every session's
 * sequence numbers and resends, and the clearing engine's state (clearing-recovery.ts: inbound commands
 * replayed and checked against the journaled engine records; a disagreement refuses to start).
 *
 * With a `clearing` section: reference data loaded and validated first (gateway/refdata.ts; any problem
 * refuses to start, listing them all), then the engine (margin, collateral), the journal sink and the
 * adapter (clearing-adapter.ts) as the session layer's application. Without one (session-only
 * configurations: tests, interop): the intake-only Router (router.ts), and a journal that already holds
 * engine records refuses to start (answering trades without the engine that recorded them would fork
 * history).
 *
 * Not yet composed here (their issues): settlement (6), the SBE/UDP venue feed and the admin HTTP API
 * (7). The CLI's start says so instead of pretending to run them.
 *
 * Thread: everything runs on the calling JS thread (the transport's agents have their own).
 */
import * as path from 'node:path';
import * as fs from 'node:fs';
import { GatewayError } from '../codec/errors.js';
import { type RecordVisitor, RT_ENGINE } from '../journal/journal.js';
import { JournalSessionStore } from '../journal/session-store.js';
import { Reparser } from '../session/reparse.js';
import { SessionAcceptor, type SessionApplication } from '../session/session.js';
import type { Transport } from '../transport/transport.js';
import { ClearingRuntime, type ClearingSummary } from './clearing-recovery.js';
import { engineConfig, type GatewayConfig } from './config.js';
import { MemberDirectory } from './members.js';
import { checkRefData, formatYmd, type RefDataCheck } from './refdata.js';
import { Router } from './router.js';
import { createTransport, fixListeners } from './transport.js';

export const GatewayErrorCode = {
  /** The reference data of `clearing.refdata` is missing or invalid (context.errors lists every problem). */
  GATEWAY_REFDATA: 'GATEWAY_REFDATA',
  /** The journal holds clearing engine records but the configuration has no `clearing` section. */
  GATEWAY_NO_ENGINE: 'GATEWAY_NO_ENGINE',
} as const;

export interface GatewayOptions {
  /** Directory relative paths in the config are resolved against (the config file's). */
  baseDir: string;
  /** Clock (epoch ms); default Date.now. */
  now?: () => number;
  /** Session timer period, default 100 ms. */
  tickMs?: number;
  /** Operator log lines; default console.log. */
  log?: (line: string) => void;
  /** The reference data check already made (the CLI's preflight), so the files are read once. */
  refData?: RefDataCheck;
}

export interface GatewayListener {
  name: 'fix/tcp' | 'fix/tls';
  host: string;
  port: number;
}

export interface RunningGateway {
  listeners: GatewayListener[];
  acceptor: SessionAcceptor;
  store: JournalSessionStore;
  directory: MemberDirectory;
  /** The intake-only application when there is no `clearing` section (its counter stays 0 otherwise). */
  router: Router;
  /** The clearing composition (engine, adapter, sink) when `clearing` is configured. */
  clearing: ClearingRuntime | undefined;
  /** What clearing recovery did at start (undefined without `clearing`). */
  recovery: ClearingSummary | undefined;
  transport: Transport;
  /** Stops listening, closes every connection, flushes and closes the journal. */
  close(): Promise<void>;
}

export async function startGateway(config: GatewayConfig, o: GatewayOptions): Promise<RunningGateway> {
  const log = o.log ?? ((l: string) => console.log(l));
  const now = o.now ?? Date.now;
  const resolve = (p: string | undefined): string | undefined => (p === undefined ? undefined : path.resolve(o.baseDir, p));
  const directory = new MemberDirectory(config);
  let clearing: ClearingRuntime | undefined;
  if (config.clearing !== undefined) {
    const check = o.refData ?? checkRefData(config, o.baseDir, 'configuration', now());
    if (!check.ok || check.refData === undefined || check.businessDate === undefined) {
      throw new GatewayError(GatewayErrorCode.GATEWAY_REFDATA, `reference data: ${check.detail}`, { errors: check.errors });
    }
    clearing = new ClearingRuntime({
      refdata: check.refData,
      engineConfig: engineConfig(config)!,
      businessDate: check.businessDate,
      sessionMembers: new Map(directory.sessions.map((s) => [s.sessionId, s.member ?? ''])),
      now,
    });
    log(`gateway: reference data: ${check.detail}`);
  }
  let engineRecords = 0;
  const visit: RecordVisitor = clearing?.visit ?? ((recordType) => void (recordType === RT_ENGINE && engineRecords++));
  const journalDir = resolve(config.journal.dir)!;
  fs.mkdirSync(journalDir, { recursive: true });
  const store = JournalSessionStore.open({
    dir: journalDir,
    durability: config.journal.durability ?? 'fsync',
    segmentBytes: config.journal.segmentBytes,
    sessionIds: directory.sessionIds(),
    visit,
  });
  const r = store.journal.report;
  log(`gateway: journal ${journalDir}: recovered ${r.records} records in ${r.segments} segment(s)${r.truncatedAt >= 0 ? `, torn tail truncated at ${r.truncatedAt}` : ''}`);
  let recovery: ClearingSummary | undefined;
  try {
    if (clearing !== undefined) recovery = clearing.finish(store.journal);
    else if (engineRecords > 0)
      throw new GatewayError(
        GatewayErrorCode.GATEWAY_NO_ENGINE,
        `the journal ${journalDir} holds ${engineRecords} clearing engine records but the configuration has no clearing section: restore it (the engine's state is rebuilt from the journal), or start on a new journal`,
        { engineRecords },
      );
  } catch (e) {
    await store.close();
    throw e;
  }
  if (clearing !== undefined && recovery !== undefined) {
    const e = clearing.engine!;
    log(
      `gateway: clearing engine: ${e.refdata.securities.length} securities, ${e.refdata.members.length} members, business date ${formatYmd(recovery.businessDate)}` +
        `${recovery.journalBusinessDate >= 0 && recovery.journalBusinessDate !== recovery.businessDate ? ` (journal was on ${formatYmd(recovery.journalBusinessDate)})` : ''}, ` +
        `onRiskBreach ${e.config.onRiskBreach}, margin VaR ${e.config.margin.confidenceBps / 100}% over ${e.config.margin.mporDays} day(s)`,
    );
    log(
      `gateway: clearing recovery: ${recovery.commands} command(s) replayed, ${recovery.verified} engine record(s) verified, ${recovery.completed} completed at start, ` +
        `${recovery.trades} trade(s), ${recovery.unanswered} answer(s) waiting for their member's logon`,
    );
  }
  const router = new Router();
  const app: SessionApplication = clearing?.adapter ?? router;
  const reparser = new Reparser();
  const acceptor = new SessionAcceptor(
    {
      directory,
      logonTimeoutMs: config.fix.logonTimeoutMs,
      failedLogon: { delayMs: config.fix.failedLogon?.delayMs ?? 500, maxDelayMs: config.fix.failedLogon?.maxDelayMs ?? 30_000 },
    },
    store,
    { now },
    app,
    (bytes, v) => reparser.run(bytes, v),
  );
  router.acceptor = acceptor;
  if (clearing !== undefined) clearing.adapter.acceptor = acceptor;
  const transport = createTransport(config, acceptor);
  acceptor.transport = transport;
  const listeners: GatewayListener[] = [];
  try {
    for (const l of fixListeners(config)) {
      const tls = l.tls && { ...l.tls, certFile: resolve(l.tls.certFile), keyFile: resolve(l.tls.keyFile), caFile: resolve(l.tls.caFile) };
      const res = await transport.listen({ ...l, tls });
      const g: GatewayListener = { name: tls ? 'fix/tls' : 'fix/tcp', host: l.host ?? '0.0.0.0', port: res.port };
      listeners.push(g);
      log(`gateway: listening ${g.name} ${g.host}:${g.port}`);
    }
  } catch (e) {
    await transport.close();
    await store.close();
    throw e;
  }
  log(
    `gateway: ${directory.sessions.length} member session(s) configured; ${config.fix.transport ?? 'native'} transport; application: ` +
      (clearing !== undefined ? 'clearing adapter (AE, AL, AN, AX, AY)' : 'intake-only router (no clearing section: AE acknowledged as received, not cleared)'),
  );
  const timer = setInterval(() => acceptor.tick(), o.tickMs ?? 100);
  let closed: Promise<void> | undefined;
  return {
    listeners,
    acceptor,
    store,
    directory,
    router,
    clearing,
    recovery,
    transport,
    close() {
      closed ??= (async () => {
        clearInterval(timer);
        await transport.close();
        await store.close();
      })();
      return closed;
    },
  };
}
