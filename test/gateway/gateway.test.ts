/**
 * The composed gateway (src/gateway/gateway.ts) over real sockets: member authentication (password
 * verifier, TLS client-certificate subject), refusals journaled with their reason and slowed when
 * repeated, trade intake acknowledged after durability, and a restart that continues sequence numbers
 * and serves resends from the journal. These configurations have no `clearing` section, so trade intake
 * is the intake-only router's (AR 939=0: received and durable); the clearing engine behind the same
 * session layer is tested in clearing-gateway.test.ts.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import test from 'ava';
import { checkConfig, type GatewayConfig } from '../../src/gateway/config.js';
import { startGateway, type RunningGateway } from '../../src/gateway/gateway.js';
import { hashPassword, REFUSED_CERTIFICATE, REFUSED_CREDENTIALS } from '../../src/gateway/members.js';
import { LogoutReason } from '../../src/session/store.js';
import { FixTestClient } from '../helpers/fix-client.js';
import { sessionEvents, tcrFields } from '../helpers/gateway-fixtures.js';
import { type Certs, makeCerts } from '../transport/helpers.js';

const PASSWORD = 'correct horse battery staple';
const VERIFIER = hashPassword(PASSWORD);
let certs: Certs;
test.before(() => {
  certs = makeCerts();
});
test.after.always(() => fs.rmSync(certs.dir, { recursive: true, force: true }));

function config(dir: string, transport: 'node' | 'native', extra: Partial<GatewayConfig['fix']> = {}): GatewayConfig {
  const doc = {
    gateway: { name: 'test' },
    journal: { dir: path.join(dir, 'journal'), durability: 'fsync' },
    fix: {
      transport,
      tcp: { host: '127.0.0.1', port: 0 },
      senderCompId: 'CCP',
      failedLogon: { delayMs: 400, maxDelayMs: 1000 },
      sessions: [
        { sessionId: 7, member: 'MBR1', beginString: 'FIX.4.4', targetCompId: 'MEMBER1', credentials: { passwordHash: VERIFIER, username: 'ops1' }, reset: 'never' },
        { sessionId: 8, member: 'MBR2', beginString: 'FIXT.1.1', targetCompId: 'MEMBER2', reset: 'never', throttle: { messagesPerSecond: 1, burst: 2 } },
      ],
      ...extra,
    },
    admin: { host: '127.0.0.1', port: 0 },
  };
  const r = checkConfig(doc);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.config;
}

async function withGateway(transport: 'node' | 'native', extra: Partial<GatewayConfig['fix']>, body: (gw: RunningGateway, dir: string) => Promise<void>): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-test-'));
  const gw = await startGateway(config(dir, transport, extra), { baseDir: dir, log: () => undefined });
  try {
    await body(gw, dir);
  } finally {
    await gw.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function client(gw: RunningGateway, sender: string, beginString = 'FIX.4.4', name: 'fix/tcp' | 'fix/tls' = 'fix/tcp', tls?: FixTestClientTls): Promise<FixTestClient> {
  const l = gw.listeners.find((x) => x.name === name)!;
  return FixTestClient.connect({ host: '127.0.0.1', port: l.port, beginString, senderCompId: sender, targetCompId: 'CCP', tls });
}
type FixTestClientTls = Parameters<typeof FixTestClient.connect>[0]['tls'];

const TCR = tcrFields;

for (const transport of ['node', 'native'] as const) {
  test.serial(`${transport}: a member logs on with its password, a TradeCaptureReport is acknowledged (AR 939=0, 571 echoed); unknown CompIDs get no reply`, async (t) => {
    await withGateway(transport, {}, async (gw) => {
      const c = await client(gw, 'MEMBER1');
      const a = await c.logon({ password: PASSWORD, username: 'ops1' });
      t.is(a.type, 'A');
      c.send('AE', TCR('TR1'));
      const ar = await c.waitFor((m) => m.type === 'AR');
      t.is(ar.fields.get(571), 'TR1');
      t.is(ar.fields.get(939), '0');
      t.is(ar.fields.get(150), 'F');
      t.is(gw.router.tradeReports, 1);
      c.destroy();

      const stranger = await client(gw, 'NOBODY');
      stranger.send('A', [
        [98, '0'],
        [108, '30'],
      ]);
      await stranger.whenClosed();
      t.deepEqual(stranger.received, [], 'an unknown session is dropped without a reply');
    });
  });
}

test.serial('a wrong password is refused with a Logout text, journaled (AuthenticationFailed), and repeated failures are slowed', async (t) => {
  let dirSeen = '';
  await withGateway('node', {}, async (gw, dir) => {
    dirSeen = dir;
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const c = await client(gw, 'MEMBER1');
      const t0 = performance.now();
      const r = await c.logon({ password: 'guess', username: 'ops1' });
      times.push(performance.now() - t0);
      t.is(r.type, '5');
      t.is(r.fields.get(58), REFUSED_CREDENTIALS);
      await c.whenClosed();
    }
    // Lower bounds only (a slow machine can only make them longer): the 2nd and 3rd attempts wait
    // 400 ms and 800 ms before admission even starts.
    t.true(times[1]! >= 400, `second failure answered after ${times[1]} ms`);
    t.true(times[2]! >= 800, `third failure answered after ${times[2]} ms`);
    const noPassword = await client(gw, 'MEMBER1');
    t.is((await noPassword.logon({ username: 'ops1' })).fields.get(58), REFUSED_CREDENTIALS);
    await noPassword.whenClosed();
    // The genuine member logs on afterwards, its sequence numbers in step with the refusals it was sent.
    const ok = await client(gw, 'MEMBER1');
    const a = await ok.logon({ password: PASSWORD, username: 'ops1' });
    t.is(a.type, 'A');
    t.is(a.seq, 5, 'four refusal Logouts were sent from the session sequence');
    ok.destroy();
    await ok.whenClosed();
    await gw.close();
    const ev = await sessionEvents(path.join(dir, 'journal'));
    const refusals = ev.logouts.filter((l) => l.reason === LogoutReason.AuthenticationFailed);
    t.is(refusals.length, 4);
    t.true(refusals.every((l) => l.sessionId === 7 && l.text === REFUSED_CREDENTIALS));
    t.deepEqual(ev.logons, [7]);
    t.true(ev.logouts.some((l) => l.reason === LogoutReason.TransportClosed));
  });
  t.not(dirSeen, '');
});

test.serial('TLS: a session bound to a certificate subject accepts only that member certificate', async (t) => {
  const tls = { port: 0, host: '127.0.0.1', certFile: certs.serverCert, keyFile: certs.serverKey, caFile: certs.ca, requireClientCert: true };
  const sessions = [{ sessionId: 9, member: 'MBR1', beginString: 'FIX.4.4' as const, targetCompId: 'MEMBER1', credentials: { tlsSubject: 'CN=member1,O=Gateway' }, reset: 'never' as const }];
  await withGateway('native', { tls, tcp: undefined, sessions }, async (gw) => {
    const opts = (cert: string, key: string): FixTestClientTls => ({ ca: fs.readFileSync(certs.ca), cert: fs.readFileSync(cert), key: fs.readFileSync(key), servername: 'localhost' });
    const wrong = await client(gw, 'MEMBER1', 'FIX.4.4', 'fix/tls', opts(certs.client2Cert, certs.client2Key));
    const r = await wrong.logon();
    t.is(r.type, '5');
    t.is(r.fields.get(58), REFUSED_CERTIFICATE);
    await wrong.whenClosed();
    const right = await client(gw, 'MEMBER1', 'FIX.4.4', 'fix/tls', opts(certs.clientCert, certs.clientKey));
    t.is((await right.logon()).type, 'A');
    right.send('AE', TCR('TLS1'));
    t.is((await right.waitFor((m) => m.type === 'AR')).fields.get(571), 'TLS1');
    right.destroy();
  });
});

test.serial('throttle: over the rate an application message gets BusinessMessageReject 380=8 (FIXT.1.1) and is not routed', async (t) => {
  await withGateway('node', {}, async (gw) => {
    const c = await client(gw, 'MEMBER2', 'FIXT.1.1');
    t.is((await c.logon()).type, 'A');
    for (let i = 0; i < 4; i++) c.send('AE', TCR(`T${i}`));
    const rejects = [await c.waitFor((m) => m.type === 'j')];
    t.is(rejects[0]!.fields.get(380), '8');
    t.is(rejects[0]!.fields.get(58), 'Throttle limit exceeded');
    await c.waitFor((m) => m.type === 'AR' && m.fields.get(571) === 'T1');
    t.true(gw.router.tradeReports <= 3, `${gw.router.tradeReports} routed of 4 sent with a burst of 2 at 1/s`);
    c.destroy();
  });
});

test.serial('restart: sequence numbers continue from the journal and a ResendRequest after the restart is served (PossDup AR)', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-restart-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const cfg = config(dir, 'node');
  let gw = await startGateway(cfg, { baseDir: dir, log: () => undefined });
  let c = await client(gw, 'MEMBER1');
  t.is((await c.logon({ password: PASSWORD, username: 'ops1' })).type, 'A');
  for (let i = 1; i <= 5; i++) c.send('AE', TCR(`R${i}`));
  await c.waitFor((m) => m.type === 'AR' && m.fields.get(571) === 'R5');
  const lastSeq = c.received[c.received.length - 1]!.seq;
  c.destroy();
  await c.whenClosed();
  await gw.close();

  gw = await startGateway(cfg, { baseDir: dir, log: () => undefined });
  try {
    c = await client(gw, 'MEMBER1');
    c.nextSeq = 7; // Logon 1 + 5 reports; the gateway expects 7
    const a = await c.logon({ password: PASSWORD, username: 'ops1' });
    t.is(a.type, 'A');
    t.is(a.seq, lastSeq + 1, 'our sequence continues after the restart');
    const from = c.received.length;
    c.send('2', [
      [7, '2'],
      [16, '0'],
    ]);
    const resent = await c.waitFor((m) => m.type === 'AR' && m.fields.get(571) === 'R5', 10_000, from);
    t.is(resent.fields.get(43), 'Y');
    t.is(resent.seq, lastSeq);
    c.destroy();
  } finally {
    await gw.close();
  }
});
