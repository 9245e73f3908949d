/**
 * Interop with jspurefix 5.11.4 (MIT; a pure-Node FIX engine, dev-only peer) as a member's FIX 4.4
 * initiator against the composed gateway (startGateway in-process, native transport, fsync journal).
 *
 * 1. TCP, password logon: 10,000 TradeCaptureReports TR1..TR10000. Mid-stream the connection is cut
 *    without Logout (socket destroyed while reports are in flight; a last batch is held in the corked
 *    socket so that some reports jspurefix has numbered and stored certainly never reach the gateway).
 *    jspurefix's RecoveringTcpInitiator reconnects with the same session (sequence numbers continue,
 *    no reset); the gateway's ResendRequest is answered by jspurefix with PossDup resends and gap fills.
 *    Checked from both sides' own records: every TR acknowledged (AR 939=0), exactly one AR per TR in
 *    the gateway's journal and gw.router.tradeReports = 10,000, sequence numbers without a hole in both
 *    directions on both sides, and the ResendRequest.
 * 2. TLS with client certificates, session bound to CN=member1,O=Gateway (plus a password): the right
 *    certificate logs on and gets acks; a wrong password and member2's certificate are refused with the
 *    gateway's Logout texts, journaled as AuthenticationFailed; a repeated failure from the address is
 *    answered no sooner than fix.failedLogon.delayMs later.
 *
 * Reproduce a run of 1: JSP_CUT_AFTER=<n>. The gateway on its node:net/node:tls transport: JSP_TRANSPORT=node.
 * jspurefix's own log of run 1: JSP_DEBUG=1.
 */
import * as fs from 'node:fs';
import type * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import test from 'ava';
import { checkConfig, type GatewayConfig } from '../../src/gateway/config.js';
import { startGateway, type RunningGateway } from '../../src/gateway/gateway.js';
import { hashPassword, REFUSED_CERTIFICATE, REFUSED_CREDENTIALS } from '../../src/gateway/members.js';
import { LogoutReason } from '../../src/session/store.js';
import { type Certs, makeCerts } from '../transport/helpers.js';
import { holes, readJournalMessages, seqSpan, type Fields } from './helpers-quickfix.js';
import { JspurefixMember, sessionEvents, type Logged } from './jspurefix-member.js';

const COUNT = 10_000;
const PASSWORD = 'jspurefix interop secret';
const VERIFIER = hashPassword(PASSWORD);
const SEGMENT_BYTES = 64 * 1024 * 1024;
/** Reports sent into the corked socket right before the cut: numbered and stored by jspurefix, never on the wire. */
const LOST = 40;
const FAILED_LOGON_DELAY_MS = 300;
/** The gateway's transport: native (default, the production path) or node (JSP_TRANSPORT=node). */
const TRANSPORT = process.env.JSP_TRANSPORT === 'node' ? 'node' : 'native';

function gatewayConfig(dir: string, fix: Partial<GatewayConfig['fix']>): GatewayConfig {
  const r = checkConfig({
    gateway: { name: 'jspurefix-interop' },
    journal: { dir: path.join(dir, 'journal'), durability: 'fsync', segmentBytes: SEGMENT_BYTES },
    fix: { transport: TRANSPORT, senderCompId: 'CCP', failedLogon: { delayMs: FAILED_LOGON_DELAY_MS, maxDelayMs: 2000 }, ...fix },
    admin: { host: '127.0.0.1', port: 0 },
  });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.config;
}

const types = (list: Logged[], type: string): Fields[] => list.filter((m) => m.fields.get(35) === type).map((m) => m.fields);
const show = (f: Fields): string => [...f].map(([k, v]) => `${k}=${v}`).join('|');

test.serial('jspurefix initiator over TCP: 10,000 TradeCaptureReports across a cut connection, each acknowledged, gap recovered by ResendRequest', async (t) => {
  t.timeout(120_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jsp-interop-'));
  const cfg = gatewayConfig(dir, {
    tcp: { host: '127.0.0.1', port: 0 },
    sessions: [{ sessionId: 21, member: 'JSP', beginString: 'FIX.4.4', targetCompId: 'JSPMEMBER', credentials: { passwordHash: VERIFIER, username: 'jsp1' }, reset: 'never' }],
  });
  let gw: RunningGateway | undefined = await startGateway(cfg, { baseDir: dir, log: () => undefined });
  const port = gw.listeners.find((l) => l.name === 'fix/tcp')!.port;
  const member = await JspurefixMember.create({ port, senderCompId: 'JSPMEMBER', targetCompId: 'CCP', username: 'jsp1', password: PASSWORD, resilient: true });
  t.teardown(async () => {
    member.stop();
    await gw?.close();
    if (fs.existsSync(dir)) {
      t.log(`kept ${dir}; jspurefix's session messages (AE/AR left out):\n${sessionTrace(member)}`);
      t.log(`jspurefix warnings and errors:\n${member.log.lines.filter((l) => !l.startsWith('info')).join('\n')}`);
    }
  });

  const cutAfter = Number(process.env.JSP_CUT_AFTER ?? 2000 + Math.floor(Math.random() * 5000));
  t.log(`cut after TR${cutAfter} (+${LOST} corked) (JSP_CUT_AFTER=${cutAfter})`);

  void member.start();
  await member.until(() => member.logons === 1, 10_000, 'first logon');
  const t0 = performance.now();
  const now = new Date();
  let n = 0;
  const sendUpTo = async (last: number): Promise<void> => {
    while (n < last) {
      member.sendTcr(++n, now);
      if (n % 250 === 0) await new Promise((r) => setImmediate(r));
    }
  };

  // Phase 1, up to the cut. The member stops reading 100 reports before it (the ARs behind that stay in
  // its socket and die with it), the gateway consumes everything up to TR<cutAfter>, then a last batch
  // goes into the corked socket (numbered and stored by jspurefix, never on the wire) and the socket is
  // destroyed: messages are lost in both directions.
  await sendUpTo(cutAfter - 100);
  const socket = member.session.socket()!;
  await stopReading(socket);
  await sendUpTo(cutAfter);
  await member.drained();
  await member.until(() => gw!.router.tradeReports === cutAfter, 30_000, `the gateway to consume TR1..TR${cutAfter}`);
  socket.cork();
  await sendUpTo(cutAfter + LOST);
  await member.until(() => member.session.pendingEncode === 0, 10_000, 'corked batch encoded');
  const held = socket.writableLength;
  const ackedAtCut = member.acks.size;
  const seqAtCut = member.nextOut() - 1;
  socket.destroy(new Error('interop test: connection cut'));
  t.true(held > 0, 'the corked reports were still in the socket when it was destroyed');
  t.true(ackedAtCut < cutAfter, `ARs in flight at the cut (${ackedAtCut} of ${cutAfter} read)`);
  t.log(`cut at seq ${seqAtCut}: ${n} TRs numbered, ${cutAfter} consumed by the gateway, ${ackedAtCut} acks read, ${held} bytes held in the socket`);

  // Phase 2: jspurefix reconnects by itself (same session, no reset); the rest follows once it is logged on.
  await member.until(() => member.logons === 2, 20_000, 'logon after the cut');
  await sendUpTo(COUNT);
  await member.until(() => member.acks.size === COUNT, 90_000, `acks for all ${COUNT} TRs (have ${member.acks.size})`);
  const ms = performance.now() - t0;
  await member.logout();
  const routed = gw.router.tradeReports;
  await gw.close();
  gw = undefined;

  // Member side: every TR acknowledged, accepted, nothing else received.
  const notAcked: string[] = [];
  const bad: string[] = [];
  let possDupAcks = 0;
  for (let i = 1; i <= COUNT; i++) {
    const a = member.acks.get(`TR${i}`);
    if (!a) notAcked.push(`TR${i}`);
    else {
      possDupAcks += a.possDup;
      if (a.status !== '0' || a.first + a.possDup !== 1) bad.push(`TR${i}:${JSON.stringify(a)}`);
    }
  }
  t.deepEqual(notAcked.slice(0, 20), [], `TRs never acknowledged (first 20 of ${notAcked.length})`);
  t.deepEqual(bad.slice(0, 20), [], 'acks not accepted (939 != 0) or not received exactly once (first or PossDup)');
  // The ARs jspurefix had not read at the cut came again as PossDup resends, and only those.
  t.is(possDupAcks, cutAfter - ackedAtCut, 'PossDup acks = ARs unread at the cut');
  t.is(member.acks.size, COUNT);
  t.deepEqual(member.otherApp, [], 'application messages other than AR');
  t.deepEqual([...types(member.in, '3'), ...types(member.in, 'j')].map(show).slice(0, 5), [], 'Reject / BusinessMessageReject from the gateway');
  t.deepEqual(types(member.out, '3').map(show).slice(0, 5), [], 'Reject from jspurefix');

  // The gateway's point of view: each TR routed once.
  t.is(routed, COUNT, 'gw.router.tradeReports: every TR routed exactly once');

  // The gap: the gateway asked for it, jspurefix resent the lost reports with PossDupFlag.
  const resendFromGateway = types(member.in, '2');
  const resendFromMember = types(member.out, '2');
  t.true(resendFromGateway.length >= 1, 'no ResendRequest from the gateway reached jspurefix');
  const firstLost = member.out.map((m) => m.fields).filter((f) => f.get(571) === `TR${cutAfter + 1}`);
  t.is(firstLost.length, 2, `TR${cutAfter + 1}: sent once (into the corked socket) and resent once`);
  t.is(firstLost[1]?.get(43), 'Y', `TR${cutAfter + 1} resent with PossDupFlag`);
  // The gateway had consumed everything before the corked batch: it asks from exactly there.
  t.deepEqual(
    resendFromGateway.map((f) => [f.get(7), f.get(16)]),
    [[firstLost[0]?.get(34), '0']],
    `the gateway's ResendRequest starts at TR${cutAfter + 1}'s seq ${firstLost[0]?.get(34)}: ${resendFromGateway.map(show).join(', ')}`,
  );
  // jspurefix missed ARs: it asks for them after the gateway's Logon (answered with PossDup ARs).
  t.true(resendFromMember.length >= 1, 'no ResendRequest from jspurefix for the ARs it did not read');

  // Sequence numbers: no hole in what jspurefix sent (first sends, resends, gap fills) or received.
  const nextOut = member.nextOut();
  const nextIn = member.nextIn();
  t.deepEqual(holes(member.out.map((m) => seqSpan(m.fields)), nextOut), [], 'jspurefix -> gateway: sequence numbers never sent nor gap-filled');
  t.deepEqual(holes(member.in.map((m) => seqSpan(m.fields)), nextIn), [], 'gateway -> jspurefix: sequence numbers never received nor gap-filled');
  t.is(
    member.out.filter((m) => m.fields.get(43) !== 'Y').length,
    new Set(member.out.filter((m) => m.fields.get(43) !== 'Y').map((m) => m.fields.get(34))).size,
    'jspurefix used no MsgSeqNum twice (PossDup resends aside)',
  );

  // The journal: the same numbers, one AR per TR, every TR received, the first lost one as a PossDup resend.
  const journal = await readJournalMessages(path.join(dir, 'journal'), SEGMENT_BYTES);
  const jIn = journal.filter((r) => r.direction === 'in');
  const jOut = journal.filter((r) => r.direction === 'out');
  const jInSeq = jIn.filter((r) => r.seq !== 0); // 0: a Logon whose MsgSeqNum was too high (audit only)
  t.deepEqual(holes(jInSeq.map((r) => seqSpan(r.fields)), nextOut), [], 'journal: inbound sequence numbers missing');
  t.deepEqual(holes(jOut.map((r) => seqSpan(r.fields)), nextIn), [], 'journal: outbound sequence numbers missing');
  t.is(Math.max(...jInSeq.map((r) => seqSpan(r.fields)[1] - 1)), nextOut - 1, 'last inbound seq in the journal = jspurefix next sender seq - 1');
  t.is(Math.max(...jOut.map((r) => seqSpan(r.fields)[1] - 1)), nextIn - 1, 'last outbound seq in the journal = jspurefix next target seq - 1');
  const arFirst = countBy(jOut.filter((r) => r.fields.get(35) === 'AR' && r.fields.get(43) !== 'Y').map((r) => r.fields));
  const arWrong: string[] = [];
  for (let i = 1; i <= COUNT; i++) if (arFirst.get(`TR${i}`) !== 1) arWrong.push(`TR${i}:${arFirst.get(`TR${i}`) ?? 0}`);
  t.deepEqual(arWrong.slice(0, 20), [], `journal: TRs without exactly one AR (first 20 of ${arWrong.length})`);
  const aeIn = jIn.filter((r) => r.fields.get(35) === 'AE');
  t.is(countBy(aeIn.map((r) => r.fields)).size, COUNT, 'journal: every TR received');
  t.true([...countBy(aeIn.filter((r) => r.fields.get(43) !== 'Y').map((r) => r.fields)).values()].every((c) => c === 1), 'journal: a TR received twice without PossDupFlag');
  t.is(aeIn.find((r) => r.fields.get(571) === `TR${cutAfter + 1}`)?.fields.get(43), 'Y', `journal: TR${cutAfter + 1} first reached the gateway as a PossDup resend`);
  t.true(jOut.some((r) => r.fields.get(35) === '2'), 'journal: no ResendRequest from the gateway');

  const resentByMember = member.out.filter((m) => m.fields.get(35) === 'AE' && m.fields.get(43) === 'Y').length;
  const gapFillsByMember = types(member.out, '4').map((f) => `${f.get(34)}..${Number(f.get(36)) - 1}`);
  t.log(
    `${COUNT} TRs acknowledged in ${ms.toFixed(0)} ms (${((COUNT / ms) * 1000).toFixed(0)}/s incl. cut and reconnect); ` +
      `at the cut: ${cutAfter + LOST - ackedAtCut} TRs unacknowledged (${LOST} corked, ${cutAfter - ackedAtCut} ARs unread); ` +
      `ResendRequests from the gateway: ${resendFromGateway.map((f) => `${f.get(7)}..${f.get(16) === '0' ? 'inf' : f.get(16)}`).join(', ')}; ` +
      `from jspurefix: ${resendFromMember.map((f) => `${f.get(7)}..${f.get(16) === '0' ? 'inf' : f.get(16)}`).join(', ') || 'none'}; ` +
      `jspurefix resent ${resentByMember} TRs (PossDup), gap-filled ${gapFillsByMember.join(', ') || 'nothing'}; ` +
      `PossDup acks received: ${possDupAcks}; final seq out=${nextOut} in=${nextIn}; journal ${jIn.length} in, ${jOut.length} out`,
  );
  if (process.env.JSP_DEBUG) t.log(member.log.lines.filter((l) => !l.includes('ascii forwarding')).join('\n'));
  fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * KNOWN GATEWAY BUG (remove `.failing` once fixed). A cut after the member has read every AR: only the
 * member's side has a gap. jspurefix logs on with MsgSeqNum N+1 (N = its last report), the gateway
 * asks ResendRequest 7=<first lost> 16=0, and jspurefix resends the lost reports (PossDup) but leaves
 * N+1 itself, the Logon, without a GapFill: its FixMsgAsciiStoreResend.inflateRange gap-fills a trailing
 * run only when `endSeq - expected > 0`, one short when the last message is the Logon (a jspurefix bug;
 * it is masked in the 10,000-report test because there jspurefix's own ResendRequest follows its Logon).
 * QuickFIX as acceptor copes: it queues a too-high Logon (doTargetTooHigh) and, when the queue reaches
 * it, counts it (nextQueued: Logon/ResendRequest only increment the expected number). The gateway
 * (session.ts logon()) journals the too-high Logon with seq 0 but does not queue it, so it waits for
 * N+1 forever: every later message is queued, nothing is acknowledged, the session stalls until the
 * connection ends.
 */
test.serial('jspurefix initiator: a cut with only member-side loss is recovered (the gateway counts the too-high Logon when the gap closes)', async (t) => {
  t.timeout(60_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jsp-stall-'));
  const cfg = gatewayConfig(dir, {
    tcp: { host: '127.0.0.1', port: 0 },
    sessions: [{ sessionId: 22, member: 'JSP', beginString: 'FIX.4.4', targetCompId: 'JSPSTALL', credentials: { passwordHash: VERIFIER }, reset: 'never' }],
  });
  const gw = await startGateway(cfg, { baseDir: dir, log: () => undefined });
  const port = gw.listeners.find((l) => l.name === 'fix/tcp')!.port;
  const member = await JspurefixMember.create({ port, senderCompId: 'JSPSTALL', targetCompId: 'CCP', password: PASSWORD, resilient: true });
  t.teardown(async () => {
    member.stop();
    await gw.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  void member.start();
  await member.until(() => member.logons === 1, 10_000, 'logon');
  const now = new Date();
  for (let i = 1; i <= 20; i++) member.sendTcr(i, now);
  await member.until(() => member.acks.size === 20, 10_000, 'acks TR1..TR20');
  await member.drained();
  const socket = member.session.socket()!;
  socket.cork();
  for (let i = 21; i <= 25; i++) member.sendTcr(i, now);
  await member.until(() => member.session.pendingEncode === 0, 10_000, 'corked batch encoded');
  socket.destroy(new Error('interop test: connection cut'));
  await member.until(() => member.logons === 2, 20_000, 'logon after the cut');
  await member.until(() => member.out.filter((m) => m.fields.get(35) === 'AE' && m.fields.get(43) === 'Y').length === 5, 10_000, 'the 5 lost reports resent');
  for (let i = 26; i <= 30; i++) member.sendTcr(i, now);
  await member.drained();
  // Everything jspurefix sent has reached the gateway: consumed, or queued behind a gap.
  const s = gw.acceptor.session('JSPSTALL')!;
  const last = member.nextOut() - 1;
  await member.until(() => s.nextTargetSeq > last || s.queue.has(last), 10_000, `the gateway to receive seq ${last}`);
  const logon2At = member.out.filter((m) => m.fields.get(35) === 'A')[1]!;
  const logon2 = logon2At.fields;
  t.log(`every message from jspurefix's second Logon on:\n${sessionTrace(member, logon2At.at, true)}`);
  t.is(s.nextTargetSeq, last + 1, `the gateway expects ${s.nextTargetSeq} (the Logon's MsgSeqNum ${logon2.get(34)}), ${s.queue.size} messages queued behind it`);
  if (s.nextTargetSeq === last + 1) {
    await member.until(() => member.acks.size === 30, 10_000, 'acks TR1..TR30');
    t.is(gw.router.tradeReports, 30);
  }
});

/** Both directions' session-level messages in jspurefix's order, for a failed run. */
function sessionTrace(member: JspurefixMember, from = 0, all = false): string {
  const both = [...member.out.map((m) => ({ ...m, dir: '->' })), ...member.in.map((m) => ({ ...m, dir: '<-' }))].sort((a, z) => a.at - z.at);
  return both
    .filter((m) => m.at >= from && (all || !['AE', 'AR'].includes(m.fields.get(35) ?? '')))
    .map((m) => `${m.at.toFixed(1)} ${m.dir} ${show(m.fields)}`)
    .join('\n');
}

/**
 * Stops the member reading its socket (incoming bytes stay in the kernel / the socket's buffer). pipe()
 * resumes a paused source only on its destination's 'drain', so pause again after pending ticks.
 */
async function stopReading(socket: net.Socket): Promise<void> {
  socket.pause();
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
  socket.pause();
  if (socket.readableFlowing !== false) throw new Error('socket still flowing after pause()');
}

function countBy(messages: Fields[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const f of messages) {
    const id = f.get(571) ?? '';
    m.set(id, (m.get(id) ?? 0) + 1);
  }
  return m;
}

let certs: Certs;
test.before(() => {
  certs = makeCerts();
});
test.after.always(() => fs.rmSync(certs.dir, { recursive: true, force: true }));

test.serial('jspurefix initiator over TLS: the bound client certificate logs on and is acknowledged; a wrong password and another member certificate are refused, journaled and slowed', async (t) => {
  t.timeout(60_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jsp-tls-'));
  const cfg = gatewayConfig(dir, {
    tls: { host: '127.0.0.1', port: 0, certFile: certs.serverCert, keyFile: certs.serverKey, caFile: certs.ca, requireClientCert: true },
    sessions: [
      {
        sessionId: 31,
        member: 'JSP',
        beginString: 'FIX.4.4',
        targetCompId: 'JSPMEMBER',
        credentials: { tlsSubject: 'CN=member1,O=Gateway', passwordHash: VERIFIER, username: 'jsp1' },
        reset: 'never',
      },
    ],
  });
  let gw: RunningGateway | undefined = await startGateway(cfg, { baseDir: dir, log: () => undefined });
  const members: JspurefixMember[] = [];
  t.teardown(async () => {
    for (const m of members) m.stop();
    await gw?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const port = gw.listeners.find((l) => l.name === 'fix/tls')!.port;
  const member = async (cert: 'member1' | 'member2', password: string, resilient: boolean): Promise<JspurefixMember> => {
    const [c, k] = cert === 'member1' ? [certs.clientCert, certs.clientKey] : [certs.client2Cert, certs.client2Key];
    const m = await JspurefixMember.create({
      port,
      senderCompId: 'JSPMEMBER',
      targetCompId: 'CCP',
      username: 'jsp1',
      password,
      resilient,
      tls: { ca: fs.readFileSync(certs.ca), cert: fs.readFileSync(c), key: fs.readFileSync(k), servername: 'localhost' },
    });
    members.push(m);
    return m;
  };
  /** One connection whose Logon the gateway refuses: its Logout text and how long after our Logon it came. */
  const refused = async (m: JspurefixMember): Promise<{ text: string | undefined; ms: number; logons: number }> => {
    await m.start();
    await m.until(() => m.stops > 0, 10_000, 'the refused session to stop');
    const logon = m.out.find((x) => x.fields.get(35) === 'A');
    const logout = m.in.find((x) => x.fields.get(35) === '5');
    t.truthy(logon, 'jspurefix sent a Logon');
    t.truthy(logout, `the gateway answered with a Logout; received: ${m.in.map((x) => show(x.fields)).join(' ; ')}`);
    return { text: logout?.fields.get(58), ms: (logout?.at ?? 0) - (logon?.at ?? 0), logons: m.logons };
  };

  // The member's own certificate and password: logged on, reports acknowledged, Logout.
  const good = await member('member1', PASSWORD, true);
  void good.start();
  await good.until(() => good.logons === 1, 10_000, 'TLS logon');
  const now = new Date();
  for (let i = 1; i <= 5; i++) good.sendTcr(i, now);
  await good.until(() => good.acks.size === 5, 10_000, 'acks over TLS');
  t.deepEqual([...good.acks.entries()].map(([id, a]) => [id, a.status]), [1, 2, 3, 4, 5].map((i) => [`TR${i}`, '0']));
  await good.logout();
  t.is(gw.router.tradeReports, 5);

  // Wrong password twice from this address: refused; the second answered only after the failed-logon delay.
  const wrong1 = await refused(await member('member1', 'not the password', false));
  t.is(wrong1.text, REFUSED_CREDENTIALS);
  const wrong2 = await refused(await member('member1', 'still not the password', false));
  t.is(wrong2.text, REFUSED_CREDENTIALS);
  t.true(wrong2.ms >= FAILED_LOGON_DELAY_MS, `second failed logon answered after ${wrong2.ms.toFixed(0)} ms (delay ${FAILED_LOGON_DELAY_MS} ms)`);
  // Another member's certificate (same CA), right password: refused for the certificate.
  const otherCert = await refused(await member('member2', PASSWORD, false));
  t.is(otherCert.text, REFUSED_CERTIFICATE);
  t.deepEqual([wrong1.logons, wrong2.logons, otherCert.logons], [0, 0, 0], 'no refused member saw a Logon');
  t.is(gw.router.tradeReports, 5);

  await gw.close();
  gw = undefined;
  const ev = await sessionEvents(path.join(dir, 'journal'), SEGMENT_BYTES);
  t.deepEqual(ev.logons, [31], 'one journaled logon (the member1 certificate)');
  t.deepEqual(
    ev.logouts.filter((l) => l.reason === LogoutReason.AuthenticationFailed),
    [
      { sessionId: 31, reason: LogoutReason.AuthenticationFailed, text: REFUSED_CREDENTIALS },
      { sessionId: 31, reason: LogoutReason.AuthenticationFailed, text: REFUSED_CREDENTIALS },
      { sessionId: 31, reason: LogoutReason.AuthenticationFailed, text: REFUSED_CERTIFICATE },
    ],
    'every refusal journaled with its reason and text',
  );
  t.true(ev.logouts.some((l) => l.sessionId === 31 && l.reason === LogoutReason.Normal), 'the genuine session ended with a normal Logout');
  t.log(`failed logons answered after ${wrong1.ms.toFixed(0)} ms, ${wrong2.ms.toFixed(0)} ms, ${otherCert.ms.toFixed(0)} ms (delayMs ${FAILED_LOGON_DELAY_MS})`);
});
