/**
 * The QuickFIX acceptance-test server: the session layer (src/session) with the acceptance application
 * and the suite's settings (../shared/data/README.md): SenderCompID ISLD, client CompIDs TW*,
 * ResetOnLogon, heartbeat from the client's Logon, SendingTime accuracy 120 s; the application echoes
 * NewOrderSingle (35=D, ignoring PossResend duplicates by ClOrdID), SecurityDefinition (35=d) and Email
 * (35=C) back to the sender; other application messages get a BusinessMessageReject.
 *
 * Transport: "node" by default (node:net + the TS framer): the suite is a protocol test, and the node
 * transport needs no native build, so the suite runs wherever the TS does; `transport: "native"` runs it
 * over the native network agent (epoll + C framer + rings) instead.
 *
 * Thread: everything runs on the calling JS thread.
 */
import { MemorySessionStore } from '../session/memory-store.js';
import { Reparser } from '../session/reparse.js';
import { collectFields, type InboundApp, SessionAcceptor, type SessionApplication, openDirectory } from '../session/session.js';
import { NativeTransport } from '../native/net.js';
import { NodeTransport } from '../transport/node.js';
import type { Transport } from '../transport/transport.js';

export const SUPPORTED_BEGIN_STRINGS = ['FIX.4.2', 'FIX.4.4', 'FIXT.1.1'] as const;

export interface AcceptanceServerOptions {
  port: number;
  host?: string;
  beginString: string;
  /** Injected for tests; default the wall clock. */
  now?: () => number;
  tickMs?: number;
  /** "node" (default) or "native". */
  transport?: 'node' | 'native';
}

export interface AcceptanceServer {
  port: number;
  acceptor: SessionAcceptor;
  close(): Promise<void>;
}

/** The acceptance application (one per server; JS thread). */
export class EchoApplication implements SessionApplication {
  private readonly orderIds = new Set<string>();
  constructor(private readonly acceptor: () => SessionAcceptor) {}

  onAppMessage(app: InboundApp): boolean {
    const t = app.msgType;
    if (t !== 'D' && t !== 'd' && t !== 'C') return false;
    const m = app.message;
    if (t === 'D') {
      const key = `${app.session.key}|${m.getString(11) ?? ''}`;
      if (m.valueEquals(97, Y) && this.orderIds.has(key)) return true;
      this.orderIds.add(key);
    }
    const f = collectFields(m, undefined, true);
    this.acceptor().sendApp(app.session, t, [...f.header, ...f.body], -1);
    return true;
  }
}
const Y = new TextEncoder().encode('Y');

export async function startAcceptanceServer(o: AcceptanceServerOptions): Promise<AcceptanceServer> {
  if (!(SUPPORTED_BEGIN_STRINGS as readonly string[]).includes(o.beginString)) {
    throw new Error(`acceptance-server: BeginString ${o.beginString} is not supported (no data dictionary for it in ../shared/data; supported: ${SUPPORTED_BEGIN_STRINGS.join(', ')})`);
  }
  const now = o.now ?? Date.now;
  const reparser = new Reparser();
  let acceptorRef: SessionAcceptor | undefined;
  const app = new EchoApplication(() => acceptorRef!);
  const acceptor = new SessionAcceptor(
    { directory: openDirectory({
      beginString: o.beginString,
      senderCompId: 'ISLD',
      acceptTarget: (t) => t.startsWith('TW'),
      defaultApplVerId: o.beginString === 'FIXT.1.1' ? '9' : undefined,
      resetOnLogon: true,
    }) },
    new MemorySessionStore(now, false), // no event log: the server runs indefinitely
    { now },
    app,
    (bytes, visit) => reparser.run(bytes, visit),
  );
  acceptorRef = acceptor;
  const transport: Transport =
    o.transport === 'native'
      ? new NativeTransport(acceptor, { agent: { maxMessageBytes: 65536, maxFields: 1024 } })
      : new NodeTransport(acceptor, { framer: { maxMessageBytes: 65536, maxFields: 1024 } });
  acceptor.transport = transport;
  const l = await transport.listen({ host: o.host ?? '127.0.0.1', port: o.port });
  const timer = setInterval(() => acceptor.tick(), o.tickMs ?? 100);
  return {
    port: l.port,
    acceptor,
    async close() {
      clearInterval(timer);
      await transport.close();
    },
  };
}
