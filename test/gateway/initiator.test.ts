/**
 * The session layer as initiator (SessionAcceptor.initiate) against the composed gateway as acceptor:
 * logon with credentials, application messages both ways, a refused logon reported with the
 * acceptor's Logout text, and sequence numbers that continue across reconnects on both sides.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import test from 'ava';
import { checkConfig } from '../../src/gateway/config.js';
import { startGateway } from '../../src/gateway/gateway.js';
import { hashPassword, REFUSED_CREDENTIALS } from '../../src/gateway/members.js';
import { MemorySessionStore } from '../../src/session/memory-store.js';
import { Reparser } from '../../src/session/reparse.js';
import { type InboundApp, openDirectory, SessionAcceptor, type SessionSettings } from '../../src/session/session.js';
import { LogoutReason } from '../../src/session/store.js';
import { NodeTransport } from '../../src/transport/node.js';

const PASSWORD = 'initiator-secret';

const until = async (cond: () => boolean, what: string, ms = 10_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

test('initiator: logs on with a password, exchanges TCR/AR, is refused with the acceptor text, continues sequences after reconnect', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-init-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const r = checkConfig({
    gateway: { name: 'init' },
    journal: { dir: 'journal' },
    fix: { transport: 'node', tcp: { host: '127.0.0.1', port: 0 }, failedLogon: { delayMs: 0, maxDelayMs: 0 }, sessions: [{ sessionId: 3, member: 'MBR1', beginString: 'FIX.4.4', targetCompId: 'MEMBER1', credentials: { passwordHash: hashPassword(PASSWORD) }, reset: 'never' }] },
    admin: { port: 0 },
  });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  const gw = await startGateway(r.config, { baseDir: dir, log: () => undefined });
  t.teardown(() => gw.close());

  const acks: string[] = [];
  const store = new MemorySessionStore();
  const reparser = new Reparser();
  const settings: SessionSettings = { beginString: 'FIX.4.4', senderCompId: 'MEMBER1', targetCompId: 'CCP', member: 'MBR1', resetOnLogon: false };
  const member = new SessionAcceptor(
    { directory: openDirectory({ beginString: 'FIX.4.4', senderCompId: 'MEMBER1', acceptTarget: () => false, resetOnLogon: false }) },
    store,
    { now: Date.now },
    {
      onAppMessage: (a: InboundApp) => {
        if (a.msgType !== 'AR') return false;
        acks.push(a.message.getString(571) ?? '');
        return true;
      },
    },
    (b, v) => reparser.run(b, v),
  );
  const transport = new NodeTransport(member, { framer: { maxMessageBytes: 65536, maxFields: 1024 } });
  member.transport = transport;
  const timer = setInterval(() => member.tick(), 50);
  t.teardown(async () => {
    clearInterval(timer);
    await transport.close();
  });
  const port = gw.listeners[0]!.port;
  const connect = { host: '127.0.0.1', port };

  // Wrong password: the acceptor's Logout text is what the initiator records.
  member.initiate(settings, connect, { heartBtInt: 30, password: 'wrong' });
  await until(() => store.events.some((e) => e.kind === 'logout'), 'the refusal');
  const refusal = store.events.find((e) => e.kind === 'logout');
  t.deepEqual(refusal, { kind: 'logout', sessionKey: SessionAcceptor.keyOf(settings), reason: LogoutReason.AuthenticationFailed, text: REFUSED_CREDENTIALS });
  await until(() => member.session('CCP')?.connectionId === -1, 'the close');

  // Right password.
  member.initiate(settings, connect, { heartBtInt: 30, password: PASSWORD });
  await until(() => member.session('CCP')?.loggedOn === true, 'logon');
  const s = member.session('CCP')!;
  for (let i = 1; i <= 3; i++) member.sendApp(s, 'AE', TCR(`I${i}`), -1);
  await until(() => acks.length === 3, 'three acks');
  t.deepEqual(acks, ['I1', 'I2', 'I3']);
  const sentBefore = s.nextSenderSeq;
  const gwSession = gw.acceptor.session('MEMBER1')!;
  t.is(gwSession.nextTargetSeq, sentBefore, 'the acceptor expects what the initiator sends next');

  // Drop without Logout, reconnect: both sides continue (no reset).
  transport.disconnect(s.connectionId);
  await until(() => s.connectionId === -1 && gwSession.connectionId === -1, 'both sides to see the close');
  member.initiate(settings, connect, { heartBtInt: 30, password: PASSWORD });
  await until(() => s.loggedOn, 'second logon');
  t.is(s.nextSenderSeq, sentBefore + 1, 'the Logon took the next sequence number');
  member.sendApp(s, 'AE', TCR('I4'), -1);
  await until(() => acks.length === 4, 'the fourth ack');
  t.is(gw.router.tradeReports, 4);
});

function TCR(id: string): [string, string][] {
  return [
    ['571', id],
    ['487', '0'],
    ['856', '0'],
    ['570', 'N'],
    ['55', 'AAPL'],
    ['32', '100'],
    ['31', '187.25'],
    ['75', '20261124'],
    ['60', '20261124-10:00:00.000'],
    ['552', '1'],
    ['54', '1'],
    ['37', 'O1'],
  ];
}
