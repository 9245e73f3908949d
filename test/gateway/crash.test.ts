/**
 * Crash safety of the gateway process with the clearing engine: SIGKILL at random moments while a member
 * streams TradeCaptureReports, restart on the same journal, and check that nothing acknowledged is lost,
 * nothing is applied twice (sessions and engine: every AR accepted with a trade id of its own, the
 * journal's positions exactly the accepted trades), sequence numbers continue and resends are served
 * (crash-harness.ts says exactly what is checked). CRASH_TRIALS raises the number of kills (default 20), CRASH_SEED replays the same
 * kill schedule (timing on the machine still varies), CRASH_TRANSPORT=native|node limits the transports.
 * The longer soak: `node dist/perf/soak-crash.js <trials>`. The two tests after it pin down, without a
 * crash, the two failure modes the trials found: a resend crossing a segment boundary after a restart,
 * and a report journaled without its AR (cut at three places of its records).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { checkConfig } from '../../src/gateway/config.js';
import { type RunningGateway, startGateway } from '../../src/gateway/gateway.js';
import { formatUtcTimestamp } from '../../src/session/builder.js';
import { FixTestClient } from '../helpers/fix-client.js';
import { runCrashTrials, SESSION_ID } from './crash-harness.js';
import { cutJournal, readJournal } from './crash-journal.js';
import { crashTcr, writeTestRefdata } from '../helpers/gateway-fixtures.js';
import { readClearingJournal } from '../../src/gateway/clearing-report.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const cliPath = path.resolve(here, '../../src/gateway/cli.js');

test.serial('SIGKILL during a stream: acknowledged reports survive, none applied twice, sequences continue, resends served', async (t) => {
  const trials = Number(process.env.CRASH_TRIALS ?? 20);
  const seed = Number(process.env.CRASH_SEED ?? Date.now() % 1_000_000);
  const only = process.env.CRASH_TRANSPORT;
  const transports: ('native' | 'node')[] = only === 'native' || only === 'node' ? [only] : ['native', 'node'];
  // A gateway start (spawn, reference data, margin model, journal recovery) takes seconds on a loaded
  // machine, and each trial is two of them plus the stream: a generous bound, never a performance claim.
  t.timeout(Math.max(240_000, trials * 20_000));
  const r = await runCrashTrials({
    trials,
    chainLength: 10,
    seed,
    transports,
    window: 64,
    killAfterMs: [20, 300],
    recoveryKillRate: 0.15,
    rollKillRate: 0.15,
    segmentBytes: 1 << 20,
    cliPath,
    log: (l) => t.log(l),
  });
  const torn = r.trials.filter((x) => x.truncatedAt !== undefined);
  t.log(
    `seed ${seed}: ${r.trials.length} kills in ${r.chains} journals, ${r.durationMs} ms; ${r.sent} reports sent, ${r.acked} acknowledged; ` +
      `torn tail truncated after ${r.tornTails} kills; ${r.tcrsResent} reports resent on request, ${r.arsViaResend} ARs recovered by resend, ` +
      `${r.resendsChecked} resent ARs checked; gateway start median ${r.startMs.median} ms (max ${r.startMs.max})`,
  );
  for (const x of torn) t.log(`torn tail: chain ${x.chain} run ${x.run} (${x.transport}, killed ${x.phase} +${x.killAfterMs} ms) truncated at ${x.truncatedAt}`);
  for (const v of r.violations) t.log(`VIOLATION ${v}`);
  for (const u of r.unanswered) t.log(`UNANSWERED ${u}`);
  t.is(r.trials.length, trials, 'every trial ran to its kill and restart');
  t.true(r.acked > 0, 'reports were acknowledged');
  t.true(r.resendsChecked > 0, 'resends were requested and checked');
  t.deepEqual(r.violations, [], 'acknowledged reports are durable, nothing is applied twice, sequences continue, resends are served');
  t.deepEqual(r.unanswered, [], 'every TradeCaptureReport the gateway journaled is acknowledged');
});

/**
 * The deterministic core of one crash finding, without a crash: after a restart, a ResendRequest whose
 * range crosses from one journal segment into the next must return every AR intact (PossDup, same seq,
 * same 571). Streams until the journal has rolled over to its second segment, restarts, asks for the
 * last ARs of the first segment onwards.
 */
test.serial('after a restart, a resend that crosses a journal segment boundary returns every AR intact', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-crash-seg-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const segmentBytes = 1 << 20;
  const r = checkConfig({
    gateway: { name: 'crash-seg' },
    journal: { dir: 'journal', durability: 'fsync', segmentBytes },
    fix: {
      transport: 'node',
      tcp: { host: '127.0.0.1', port: 0 },
      senderCompId: 'CCP',
      sessions: [{ sessionId: SESSION_ID, member: 'MBRA', beginString: 'FIX.4.4', targetCompId: 'MEMBER1', reset: 'never' }],
    },
    admin: { host: '127.0.0.1', port: 0 },
    clearing: writeTestRefdata(dir),
  });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  const connect = (gw: RunningGateway): Promise<FixTestClient> =>
    FixTestClient.connect({ host: '127.0.0.1', port: gw.listeners[0]!.port, beginString: 'FIX.4.4', senderCompId: 'MEMBER1', targetCompId: 'CCP' });

  let gw = await startGateway(r.config, { baseDir: dir, log: () => undefined });
  let c = await connect(gw);
  t.is((await c.logon()).type, 'A');
  // Stream (64 in flight) until the journal is 8 KiB into its second segment.
  const arIdBySeq = new Map<number, string>();
  let n = 0;
  let acked = 0;
  while (gw.store.journal.endPosition() < segmentBytes + 8192) {
    const batch = 64;
    for (let i = 0; i < batch; i++) c.send('AE', crashTcr(`S${++n}`));
    const last = `S${n}`;
    await c.waitFor((m) => m.type === 'AR' && m.fields.get(571) === last, 30_000, acked);
    acked = c.received.length;
  }
  for (const m of c.received) if (m.type === 'AR') arIdBySeq.set(m.seq, m.fields.get(571)!);
  const nextSeq = c.nextSeq;
  c.destroy();
  await c.whenClosed();
  await gw.close();

  // ARs of the first segment: the resend starts 20 before its last one.
  const j = readJournal(path.join(dir, 'journal'), segmentBytes);
  const inFirst = j.entries.filter((e) => e.kind === 'out' && e.msg.type === 'AR' && e.position < segmentBytes);
  const lastInFirst = inFirst[inFirst.length - 1]!;
  t.true(lastInFirst.kind === 'out');
  const from = (lastInFirst.kind === 'out' ? lastInFirst.seq : 0) - 20;
  const lastAr = Math.max(...arIdBySeq.keys());
  t.true(lastAr > from + 20, 'ARs exist on both sides of the segment boundary');

  gw = await startGateway(r.config, { baseDir: dir, log: () => undefined });
  try {
    c = await connect(gw);
    c.nextSeq = nextSeq;
    const a = await c.logon();
    t.is(a.type, 'A');
    const k0 = c.received.length;
    c.send('2', [
      [7, String(from)],
      [16, '0'],
    ]);
    await c.waitFor((m) => m.type === '4' && Number(m.fields.get(36)) > a.seq, 10_000, k0); // the gap fill over our Logon reply ends the answer
    const answer = c.received.slice(k0).filter((m) => m.fields.get(43) === 'Y');
    const got = new Map<number, string>();
    for (const m of answer) if (m.type === 'AR') got.set(m.seq, m.fields.get(571) ?? '');
    const wrong: string[] = [];
    for (let s = from; s <= lastAr; s++) if (got.get(s) !== arIdBySeq.get(s)) wrong.push(`seq ${s}: AR ${arIdBySeq.get(s)}, resent ${got.has(s) ? `AR ${got.get(s)}` : 'nothing (gap-filled or missing)'}`);
    t.log(`from ${from}, lastInFirst ${lastInFirst.kind === 'out' ? lastInFirst.seq : ''} @${lastInFirst.position}, lastAr ${lastAr}, answer ${answer.length}`);
    const shown = answer.slice(0, 3).map((m) => `${m.type} ${m.seq}${m.type === '4' ? `->${m.fields.get(36)}` : ` 571=${m.fields.get(571)}`}`);
    t.deepEqual(wrong, [], `resend of ${from}..0 (segment boundary after ${lastInFirst.kind === 'out' ? lastInFirst.seq : ''}); answer begins ${shown.join(', ')}`);
    c.destroy();
  } finally {
    await gw.close();
  }
});

/**
 * The deterministic core of the other crash finding, with the clearing engine: a TradeCaptureReport
 * whose inbound record reached the journal but not everything after it (a segment roll seals the
 * buffer between two records, and a crash lands in between) must be answered after the restart, applied
 * exactly once. Built by cutting a closed journal at three places of the last report's records: before
 * its AR (engine records durable: recovery keeps the answer), inside its engine records (recovery
 * completes them) and right after its inbound record (recovery applies it at start). Each time the
 * member, recovering as an engine would (answering the gateway's ResendRequest), gets the AR with trade
 * id 5, the engine holds 5 trades, and a second restart verifies the completed journal.
 */
for (const cut of ['before its AR', 'inside its engine records', 'right after its inbound record'] as const) {
  test.serial(`after a restart, a TradeCaptureReport journaled without its AR is answered and cleared once (cut ${cut})`, async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-crash-cut-'));
    t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
    const segmentBytes = 1 << 20;
    const r = checkConfig({
      gateway: { name: 'crash-cut' },
      journal: { dir: 'journal', durability: 'fsync', segmentBytes },
      fix: {
        transport: 'node',
        tcp: { host: '127.0.0.1', port: 0 },
        senderCompId: 'CCP',
        sessions: [{ sessionId: SESSION_ID, member: 'MBRA', beginString: 'FIX.4.4', targetCompId: 'MEMBER1', reset: 'never' }],
      },
      admin: { host: '127.0.0.1', port: 0 },
      clearing: writeTestRefdata(dir),
    });
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    const connect = (gw: RunningGateway): Promise<FixTestClient> =>
      FixTestClient.connect({ host: '127.0.0.1', port: gw.listeners[0]!.port, beginString: 'FIX.4.4', senderCompId: 'MEMBER1', targetCompId: 'CCP' });

    let gw = await startGateway(r.config, { baseDir: dir, log: () => undefined });
    let c = await connect(gw);
    t.is((await c.logon()).type, 'A'); // seq 1
    const sent = new Map<number, { id: string; time: string }>();
    for (let i = 1; i <= 5; i++) {
      const time = formatUtcTimestamp(Date.now());
      sent.set(c.send('AE', crashTcr(`U${i}`)), { id: `U${i}`, time }); // seqs 2..6
    }
    await c.waitFor((m) => m.type === 'AR' && m.fields.get(571) === 'U5');
    c.destroy();
    await c.whenClosed();
    await gw.close();

    const jdir = path.join(dir, 'journal');
    const before = readJournal(jdir, segmentBytes);
    const inU5 = before.entries.findIndex((e) => e.kind === 'in' && e.msg.fields.get(571) === 'U5');
    const arU5 = before.entries.findIndex((e) => e.kind === 'out' && e.msg.type === 'AR' && e.msg.fields.get(571) === 'U5');
    const engine = before.entries.slice(inU5 + 1, arU5);
    t.true(engine.length >= 4 && engine.every((e) => e.kind === 'other'), `U5's engine records: ${engine.map((e) => e.kind).join(',')}`);
    const at = cut === 'before its AR' ? before.entries[arU5]! : cut === 'inside its engine records' ? engine[Math.floor(engine.length / 2)]! : engine[0]!;
    cutJournal(jdir, at.position, segmentBytes);
    const after = readJournal(jdir, segmentBytes);
    t.true(after.entries.some((e) => e.kind === 'in' && e.msg.fields.get(571) === 'U5'), 'U5 is journaled');
    t.false(after.entries.some((e) => e.kind === 'out' && e.msg.fields.get(571) === 'U5'), 'its AR is not');

    gw = await startGateway(r.config, { baseDir: dir, log: () => undefined });
    try {
      t.is(gw.clearing!.engine!.tradeCount, 5, 'U5 cleared by recovery');
      t.is(gw.recovery!.unanswered, 1);
      t.is(gw.recovery!.completed, cut === 'before its AR' ? 0 : 1);
      c = await connect(gw);
      c.nextSeq = 7;
      t.is((await c.logon()).type, 'A');
      // As an engine: answer a ResendRequest (U-reports resent with PossDup, admin messages gap-filled).
      const answered = new Set<number>();
      const answer = (): void => {
        for (const m of c.received) {
          if (m.type !== '2' || answered.has(m.seq)) continue;
          answered.add(m.seq);
          const end = Number(m.fields.get(16)) || c.nextSeq - 1;
          for (let s = Number(m.fields.get(7)); s <= end; s++) {
            const x = sent.get(s);
            if (x) c.send('AE', crashTcr(x.id), { seq: s, possDup: true, origSendingTime: x.time });
            else c.send('4', [[123, 'Y'], [36, String(s + 1)]], { seq: s, possDup: true });
          }
        }
      };
      let ack: Awaited<ReturnType<FixTestClient['waitFor']>> | undefined;
      for (let i = 0; i < 10 && ack === undefined; i++) {
        answer();
        ack = await c.waitFor((m) => m.type === 'AR' && m.fields.get(571) === 'U5', 1_000).catch(() => undefined);
      }
      t.truthy(ack, `no AR for U5 after the restart; received ${c.received.map((m) => `${m.type} ${m.seq}`).join(', ')}`);
      t.is(ack?.fields.get(939), '0');
      t.is(ack?.fields.get(17), '5');
      t.is(gw.clearing!.engine!.tradeCount, 5, 'answered, not applied again');
      c.destroy();
    } finally {
      await gw.close();
    }
    // The completed journal replays and verifies; its positions are the five trades.
    gw = await startGateway(r.config, { baseDir: dir, log: () => undefined });
    try {
      t.is(gw.clearing!.engine!.tradeCount, 5);
      t.is(gw.recovery!.unanswered, 0);
    } finally {
      await gw.close();
    }
    const rep = readClearingJournal(jdir);
    t.deepEqual(
      rep.positions.map((p) => `${p.member} ${p.netQty} ${p.netMoney}`),
      ['MBRA 5 -5000000', 'MBRB -5 5000000'],
    );
  });
}
