/**
 * Crash soak: `node dist/perf/soak-crash.js [trials] [--seed N] [--transport native|node] [--chain N] [--window N]
 * [--recovery-rate F] [--roll-rate F] [--keep]`
 * (build first: `npx tsc -p .`). Runs the crash trials of test/gateway/crash-harness.ts (SIGKILL of the
 * gateway process during a stream, restart on the same journal, journal, member and clearing-engine
 * checks: every report a trade of its own, positions exactly the accepted trades), prints one
 * line per kill, then one JSON summary line. Exit code 1 when any check failed. Not a benchmark: the
 * timings it prints are for orientation only.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCrashTrials } from '../test/gateway/crash-harness.js';

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const trials = Number(args.find((a, i) => /^\d+$/.test(a) && (i === 0 || !args[i - 1]!.startsWith('--'))) ?? 200);
const seed = Number(opt('--seed') ?? Date.now() % 1_000_000);
const tr = opt('--transport');
const transports: ('native' | 'node')[] = tr === 'native' || tr === 'node' ? [tr] : ['native', 'node'];
const here = path.dirname(fileURLToPath(import.meta.url));

const r = await runCrashTrials({
  trials,
  chainLength: Number(opt('--chain') ?? 10),
  seed,
  transports,
  window: Number(opt('--window') ?? 64),
  killAfterMs: [20, 300],
  recoveryKillRate: Number(opt('--recovery-rate') ?? 0.15),
  rollKillRate: Number(opt('--roll-rate') ?? 0.1),
  segmentBytes: 1 << 20,
  cliPath: path.resolve(here, '../src/gateway/cli.js'),
  keepDirs: args.includes('--keep'),
  log: (l) => console.log(l),
});
for (const v of r.violations) console.log(`VIOLATION ${v}`);
for (const u of r.unanswered) console.log(`UNANSWERED ${u}`);
const { trials: list, violations, unanswered, ...summary } = r;
console.log(
  JSON.stringify({
    case: 'soak.crash',
    seed,
    trials: list.length,
    ...summary,
    violations: violations.length,
    unanswered: unanswered.length,
    killedInRecovery: list.filter((x) => x.phase === 'recovery').length,
  }),
);
process.exitCode = violations.length + unanswered.length > 0 ? 1 : 0;
