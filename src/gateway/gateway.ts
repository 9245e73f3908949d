/**
 * The composed gateway: the journal (message store, audit trail, recovery log) under the session layer,
 * the member directory, the router, and the FIX listeners on the configured transport. `startGateway`
 * recovers from the journal before it listens, so a restarted gateway continues every session's sequence
 * numbers and serves resends of what it sent before the restart.
 *
 * Not yet composed here (their issues): the clearing engine behind the router (5), settlement (6), the
 * SBE/UDP venue feed and the admin HTTP API (7). `startGateway` says so in its log instead of
 * pretending to run them.
 *
 * Thread: everything runs on the calling JS thread (the transport's agents have their own).
 */
import * as path from 'node:path';
import * as fs from 'node:fs';
import { JournalSessionStore } from '../journal/session-store.js';
import { Reparser } from '../session/reparse.js';
import { SessionAcceptor } from '../session/session.js';
import type { Transport } from '../transport/transport.js';
import type { GatewayConfig } from './config.js';
import { MemberDirectory } from './members.js';
import { Router } from './router.js';
import { createTransport, fixListeners } from './transport.js';

export interface GatewayOptions {
  /** Directory relative paths in the config are resolved against (the config file's). */
  baseDir: string;
  /** Clock (epoch ms); default Date.now. */
  now?: () => number;
  /** Session timer period, default 100 ms. */
  tickMs?: number;
  /** Operator log lines; default console.log. */
  log?: (line: string) => void;
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
  router: Router;
  transport: Transport;
  /** Stops listening, closes every connection, flushes and closes the journal. */
  close(): Promise<void>;
}

export async function startGateway(config: GatewayConfig, o: GatewayOptions): Promise<RunningGateway> {
  const log = o.log ?? ((l: string) => console.log(l));
  const now = o.now ?? Date.now;
  const resolve = (p: string | undefined): string | undefined => (p === undefined ? undefined : path.resolve(o.baseDir, p));
  const directory = new MemberDirectory(config);
  const journalDir = resolve(config.journal.dir)!;
  fs.mkdirSync(journalDir, { recursive: true });
  const store = JournalSessionStore.open({
    dir: journalDir,
    durability: config.journal.durability ?? 'fsync',
    segmentBytes: config.journal.segmentBytes,
    sessionIds: directory.sessionIds(),
  });
  const r = store.journal.report;
  log(`gateway: journal ${journalDir}: recovered ${r.records} records in ${r.segments} segment(s)${r.truncatedAt >= 0 ? `, torn tail truncated at ${r.truncatedAt}` : ''}`);
  const router = new Router();
  const reparser = new Reparser();
  const acceptor = new SessionAcceptor(
    {
      directory,
      logonTimeoutMs: config.fix.logonTimeoutMs,
      failedLogon: { delayMs: config.fix.failedLogon?.delayMs ?? 500, maxDelayMs: config.fix.failedLogon?.maxDelayMs ?? 30_000 },
    },
    store,
    { now },
    router,
    (bytes, visit) => reparser.run(bytes, visit),
  );
  router.acceptor = acceptor;
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
  log(`gateway: ${directory.sessions.length} member session(s) configured; ${config.fix.transport ?? 'native'} transport`);
  const timer = setInterval(() => acceptor.tick(), o.tickMs ?? 100);
  let closed: Promise<void> | undefined;
  return {
    listeners,
    acceptor,
    store,
    directory,
    router,
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
