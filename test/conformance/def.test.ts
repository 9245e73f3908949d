/**
 * The .def runner's own logic (parser, macros, completion, comparator) and the acceptance-server CLI
 * command run as a child process against one script.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PROJECT_ROOT, refdata } from '../helpers/refdata.js';
import { compareMessages, completeMessage, expandMacros, loadFieldFormats, parseDef, runScript, SOH } from './def.js';

const formats = loadFieldFormats(refdata('fix', 'quickfix-at', 'fields.fmt'));

test('parseDef: steps, connection ids, comments', (t) => {
  const steps = parseDef(`# c\niCONNECT\ni2,CONNECT\nI8=FIX.4.4${SOH}35=0${SOH}\nE2,8=X${SOH}\n\neDISCONNECT\niDISCONNECT\n`);
  t.deepEqual(
    steps.map((s) => [s.kind, s.conn]),
    [
      ['connect', 1],
      ['connect', 2],
      ['send', 1],
      ['expect', 2],
      ['expectDisconnect', 1],
      ['disconnect', 1],
    ],
  );
  t.throws(() => parseDef('X nonsense'));
});

test('macros expand to seconds-precision UTC time with shifts', (t) => {
  const now = Date.UTC(2026, 0, 5, 9, 0, 0, 500);
  t.is(expandMacros('52=<TIME>|x=<TIME+121>|y=<TIME-1>', now).text, '52=20260105-09:00:00|x=20260105-09:02:01|y=20260105-08:59:59');
});

test('completeMessage computes 9 and 10 when absent and keeps given ones', (t) => {
  const m = completeMessage(`8=FIX.4.4${SOH}35=0${SOH}34=1${SOH}`);
  t.is(m, `8=FIX.4.4${SOH}9=10${SOH}35=0${SOH}34=1${SOH}10=${m.slice(-4, -1)}${SOH}`);
  let sum = 0;
  for (const ch of m.slice(0, m.lastIndexOf('10='))) sum += ch.charCodeAt(0);
  t.is(m.slice(-4, -1), String(sum % 256).padStart(3, '0'));
  t.true(completeMessage(`8=FIX.4.4${SOH}9=30${SOH}35=0${SOH}10=001${SOH}`).includes(`9=30${SOH}35=0${SOH}10=001${SOH}`));
});

test('compareMessages: exact values, fields.fmt regexes, order and count', (t) => {
  const e = `8=FIX.4.4${SOH}9=5${SOH}35=0${SOH}52=00000000-00:00:00.000${SOH}10=0${SOH}`;
  t.is(compareMessages(e, `8=FIX.4.4${SOH}9=5${SOH}35=0${SOH}52=20260105-09:00:00.123${SOH}10=123${SOH}`, formats, false), undefined);
  t.regex(compareMessages(e, `8=FIX.4.4${SOH}9=5${SOH}35=1${SOH}52=20260105-09:00:00.123${SOH}10=123${SOH}`, formats, false)!, /field 35/);
  t.regex(compareMessages(e, `8=FIX.4.4${SOH}9=5${SOH}35=0${SOH}52=yesterday${SOH}10=123${SOH}`, formats, false)!, /52/);
  t.regex(compareMessages(e, `8=FIX.4.4${SOH}9=6${SOH}35=0${SOH}52=20260105-09:00:00.123${SOH}10=123${SOH}`, formats, false)!, /field 9/);
  t.is(compareMessages(e, `8=FIX.4.4${SOH}9=6${SOH}35=0${SOH}52=20260105-09:00:00.123${SOH}10=123${SOH}`, formats, true), undefined);
  t.regex(compareMessages(e, `8=FIX.4.4${SOH}9=5${SOH}35=0${SOH}52=20260105-09:00:00.123${SOH}58=x${SOH}10=123${SOH}`, formats, false)!, /expected tag 10/);
});

for (const beginString of ['FIX.4.4', 'FIX.4.2']) {
test(`the acceptance-server command serves a script as ${beginString} and exits 0 on SIGTERM`, async (t) => {
  t.timeout(30_000);
  const cli = path.join(PROJECT_ROOT, 'dist', 'src', 'gateway', 'cli.js');
  const child = spawn(process.execPath, [cli, 'acceptance-server', '--port', '0', '--begin-string', beginString], { stdio: ['ignore', 'pipe', 'pipe'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on [^:]+:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (c) => reject(new Error(`exited ${c}`)));
  });
  const script = fs.readFileSync(refdata('fix', 'quickfix-at', 'fix44', '1a_ValidLogonWithCorrectMsgSeqNum.def'), 'latin1').replaceAll('8=FIX.4.4\x01', `8=${beginString}\x01`);
  t.is(await runScript(parseDef(script), { port, formats }), undefined);
  const code = await new Promise<number | null>((resolve) => {
    child.once('exit', (c) => resolve(c));
    child.kill('SIGTERM');
  });
  t.is(code, 0);
});
}

test('acceptance-server refuses a BeginString it does not support with exit code 2, naming the choices', async (t) => {
  const cli = path.join(PROJECT_ROOT, 'dist', 'src', 'gateway', 'cli.js');
  const child = spawn(process.execPath, [cli, 'acceptance-server', '--port', '0', '--begin-string', 'FIX.4.1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  t.is(code, 2);
  t.regex(err, /begin-string.*FIX\.4\.1.*FIX\.4\.2.*FIX\.4\.4.*FIXT\.1\.1/s);
});
