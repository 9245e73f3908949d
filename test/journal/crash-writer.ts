/**
 * Child process for crash.test.ts: appends inbound+outbound records to the journal in `argv[2]` as fast
 * as group commit allows and prints `ACK <seq>` once the outbound record with that seq is durable
 * (fsync). The parent SIGKILLs it at a random moment and checks that every acknowledged seq survived.
 */
import { JournalSessionStore } from '../../src/journal/session-store.js';

export const CRASH_KEY = 'FIX.4.4:GW->CRASH';
export const CRASH_SEGMENT_BYTES = 64 * 1024;

export function crashPayload(seq: number): Uint8Array {
  const text = `8=FIX.4.4\x0135=AR\x0134=${seq}\x0158=${String(seq * 7919).repeat(1 + (seq % 9))}\x0110=000\x01`;
  return new TextEncoder().encode(text);
}

function main(dir: string): void {
  const store = JournalSessionStore.open({ dir, durability: 'fsync', segmentBytes: CRASH_SEGMENT_BYTES, bufferBytes: 16 * 1024 });
  let next = store.recover(CRASH_KEY).nextSenderSeq;
  process.stdout.write(`START ${next}\n`);
  const tick = (): void => {
    const n = 1 + Math.floor(Math.random() * 200);
    let last = -1;
    let lastSeq = 0;
    for (let i = 0; i < n; i++) {
      const m = crashPayload(next);
      const pIn = store.appendInbound(CRASH_KEY, next, 'AE', m, 0, m.length);
      last = store.appendOutbound(CRASH_KEY, next, 'AR', m, 0, m.length, pIn);
      lastSeq = next++;
    }
    store.onDurable(last, () => process.stdout.write(`ACK ${lastSeq}\n`));
    setImmediate(tick);
  };
  tick();
}

if (process.argv[2]) main(process.argv[2]);
