import test from 'ava';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { JournalSessionStore } from '../../src/journal/session-store.js';
import { CRASH_KEY, CRASH_SEGMENT_BYTES, crashPayload } from './crash-writer.js';

const writer = path.join(path.dirname(fileURLToPath(import.meta.url)), 'crash-writer.js');
const TRIALS = Number(process.env.JOURNAL_CRASH_TRIALS ?? 24);

/** Run the writer, SIGKILL it `afterMs` after it started writing; resolves with the highest acknowledged seq. */
function runAndKill(dir: string, afterMs: number): Promise<{ start: number; maxAck: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [writer, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    let start = -1;
    let maxAck = 0;
    let pending = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        const [word, num] = line.split(' ');
        if (word === 'START') {
          start = Number(num);
          setTimeout(() => child.kill('SIGKILL'), afterMs);
        } else if (word === 'ACK') maxAck = Math.max(maxAck, Number(num));
      }
    });
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`writer exited without being killed (code ${_code})`));
      else resolve({ start, maxAck });
    });
  });
}

test(`SIGKILL at random moments (${TRIALS} trials): every acknowledged append is recovered intact, sequences continue`, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'journal-crash-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  let expectedStart = 1;
  let torn = 0;
  let totalAcked = 0;
  for (let trial = 0; trial < TRIALS; trial++) {
    const { start, maxAck } = await runAndKill(dir, 20 + Math.floor(Math.random() * 250));
    t.is(start, expectedStart, `trial ${trial}: writer resumed at the recovered sequence`);
    t.true(maxAck === 0 || maxAck >= start, "acks are for this run's appends");
    const store = JournalSessionStore.open({ dir, durability: 'fsync', segmentBytes: CRASH_SEGMENT_BYTES, bufferBytes: 16 * 1024 });
    const r = store.journal.report;
    t.false(r.corruption);
    if (r.truncatedAt >= 0) torn++;
    const state = store.recover(CRASH_KEY);
    const last = state.nextSenderSeq - 1;
    t.true(last >= maxAck, `trial ${trial}: recovered up to ${last}, acknowledged ${maxAck}`);
    // Inbound then outbound per seq: the kill may fall between the two records of a pair.
    t.true(state.nextTargetSeq === state.nextSenderSeq || state.nextTargetSeq === state.nextSenderSeq + 1, 'inbound at most one ahead');
    // Every outbound message 1..last present exactly once, in order, byte-exact.
    let expect = 1;
    let bad = 0;
    store.forEachOutbound(CRASH_KEY, 1, 0, (seq, raw, off, len) => {
      if (seq !== expect) bad++;
      expect = seq + 1;
      const want = crashPayload(seq);
      if (len !== want.length || Buffer.compare(Buffer.from(raw.subarray(off, off + len)), Buffer.from(want)) !== 0) bad++;
    });
    t.is(bad, 0);
    t.is(expect - 1, last);
    totalAcked = Math.max(totalAcked, maxAck); // a kill can come before the first fsync of a run
    expectedStart = last + 1;
    await store.close();
  }
  t.log(`trials ${TRIALS}, highest acknowledged seq ${totalAcked}, recoveries that truncated a tail: ${torn}, segments: ${fs.readdirSync(dir).length}`);
  t.true(totalAcked > 0);
});
