import test from 'ava';
import { formatBytes, formatCount, formatDuration, progress } from '../../src/gateway/progress.js';

function fakeStream(isTTY: boolean, columns = 100): { isTTY: boolean; columns: number; chunks: string[]; write(s: string): boolean } {
  const chunks: string[] = [];
  return {
    isTTY,
    columns,
    chunks,
    write(s: string) {
      chunks.push(s);
      return true;
    },
  };
}

/** A clock the test advances by hand (ms). */
function fakeClock(): { now: () => number; advance(ms: number): void } {
  let t = 1000;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

test('not a TTY: a plain line every 10 %, then a summary; no control characters', (t) => {
  const s = fakeStream(false);
  const c = fakeClock();
  const p = progress(1000, 'replay', { stream: s, now: c.now, unit: 'records', delayMs: 0 });
  for (let i = 1; i <= 1000; i++) {
    c.advance(1); // 1 ms per record: 1000 records/s
    p.update(i);
  }
  p.finish();
  const lines = s.chunks.join('').split('\n').filter((l) => l !== '');
  t.is(lines.length, 11);
  t.deepEqual(
    lines.slice(0, 10).map((l) => /^replay: (\d+)% /.exec(l)?.[1]),
    ['10', '20', '30', '40', '50', '60', '70', '80', '90', '100'],
  );
  t.is(lines[0], 'replay: 10% (100/1000 records) 1.00k records/s, ETA 0.9s');
  t.is(lines[4], 'replay: 50% (500/1000 records) 1.00k records/s, ETA 0.5s');
  t.false(lines[9]!.includes('ETA'), 'no ETA at 100 %');
  t.is(lines[10], 'replay: done, 1000 records in 1.0s (1.00k records/s)');
  t.false(s.chunks.join('').includes('\r'));
  t.false(s.chunks.join('').includes('\x1b'));
});

test('not a TTY: a jump over several steps prints one line (the highest step), everyPercent is honoured', (t) => {
  const s = fakeStream(false);
  const c = fakeClock();
  const p = progress(200, 'close', { stream: s, now: c.now, everyPercent: 25, delayMs: 0 });
  c.advance(1000);
  p.update(120); // 60 %: steps 25 and 50 crossed at once
  p.add(30); // 75 %
  p.update(199); // 99.5 %: nothing new
  p.update(200);
  p.finish('ok');
  p.finish('twice'); // ignored
  const lines = s.chunks.join('').split('\n').filter((l) => l !== '');
  t.deepEqual(lines.map((l) => l.split(' ')[1]), ['50%', '75%', '100%', 'done,']);
  t.true(lines[3]!.endsWith('; ok'));
});

test('TTY: one bar redrawn in place with percent, rate and ETA, throttled by time; finish ends the line', (t) => {
  const s = fakeStream(true, 120);
  const c = fakeClock();
  const p = progress(10 * 1024 * 1024, 'journal replay', { stream: s, now: c.now, unit: 'bytes', redrawMs: 100, delayMs: 0 });
  // 1 MiB per 10 ms: ten updates within 100 ms draw once (the first), then once per 100 ms.
  for (let i = 1; i <= 10; i++) {
    c.advance(10);
    p.update(i * 1024 * 1024);
  }
  const draws = s.chunks.filter((x) => x.startsWith('\r'));
  t.is(draws.length, 1, 'throttled');
  t.regex(draws[0]!, /^\rjournal replay \[#{4}-{36}\]  10\.0% 1\.0 MiB\/10\.0 MiB 100\.0 MiB\/s ETA 0\.1s\x1b\[K$/);
  p.finish();
  const last = s.chunks[s.chunks.length - 2]!;
  t.regex(last, /^\rjournal replay \[#{40}\] 100\.0% 10\.0 MiB\/10\.0 MiB .* in 0\.1s\x1b\[K$/);
  t.is(s.chunks[s.chunks.length - 1], '\n');
  t.false(s.chunks.join('').slice(0, -1).includes('\n'), 'one line until finish');
});

test('TTY: the bar fits a narrow terminal', (t) => {
  const s = fakeStream(true, 60);
  const c = fakeClock();
  const p = progress(100, 'x', { stream: s, now: c.now, delayMs: 0 });
  c.advance(500);
  p.update(50);
  const line = s.chunks[0]!.replace('\r', '').replace('\x1b[K', '');
  t.true(line.length <= 60, line);
  t.regex(line, /\[#{5}-{5}\]|\[#+-+\]/);
});

test('total 0 reads as 100 % and never divides by zero', (t) => {
  const s = fakeStream(false);
  const c = fakeClock();
  const p = progress(0, 'empty', { stream: s, now: c.now, delayMs: 0 });
  p.update(0);
  p.finish();
  const text = s.chunks.join('');
  t.regex(text, /^empty: 100% \(0\/0 items\)/);
  t.false(text.includes('NaN'));
  t.false(text.includes('Infinity'));
});

test('quiet period: work that ends within delayMs prints nothing; after it, reporting starts from the current step', (t) => {
  for (const isTTY of [false, true]) {
    const s = fakeStream(isTTY);
    const c = fakeClock();
    const p = progress(100, 'quick', { stream: s, now: c.now, delayMs: 1000 });
    for (let i = 1; i <= 100; i++) {
      c.advance(5); // 500 ms in all
      p.update(i);
    }
    p.finish();
    t.deepEqual(s.chunks, [], `isTTY ${isTTY}`);
  }
  const s = fakeStream(false);
  const c = fakeClock();
  const p = progress(100, 'slow', { stream: s, now: c.now }); // default delay 1000 ms
  for (let i = 1; i <= 100; i++) {
    c.advance(20); // 2 s in all: 50 % at 1 s
    p.update(i);
  }
  p.finish();
  const lines = s.chunks.join('').split('\n').filter((l) => l !== '');
  t.deepEqual(lines.map((l) => l.split(' ')[1]), ['50%', '60%', '70%', '80%', '90%', '100%', 'done,']);
});

test('formatting helpers', (t) => {
  t.is(formatCount(999), '999');
  t.is(formatCount(1234), '1.23k');
  t.is(formatCount(45_600), '45.6k');
  t.is(formatCount(2_500_000), '2.50M');
  t.is(formatBytes(512), '512 B');
  t.is(formatBytes(1536), '1.5 KiB');
  t.is(formatBytes(3 * 1024 * 1024 * 1024), '3.00 GiB');
  t.is(formatDuration(3.25), '3.3s');
  t.is(formatDuration(42), '42s');
  t.is(formatDuration(185), '3:05');
  t.is(formatDuration(3723), '1:02:03');
  t.is(formatDuration(NaN), '?');
});
