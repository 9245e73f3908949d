/**
 * QuickFIX acceptance suite against the in-process acceptance server (src/gateway/acceptance.ts): every
 * script of fix44 and fix50sp2 is its own test, run serially against a fresh server on an ephemeral
 * port. test/conformance/known-failures.txt lists scripts (suite/name.def) expected to fail, each with
 * a reason; a listed script that passes fails the test, so the list can only shrink.
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startAcceptanceServer } from '../../src/gateway/acceptance.js';
import { refdata, PROJECT_ROOT } from '../helpers/refdata.js';
import { loadFieldFormats, parseDef, runScript } from './def.js';

/**
 * `rewrite`: the reference data has no FIX.4.2 set, so the fix44 scripts also run with BeginString
 * FIX.4.2 (same session protocol; FIX.4.2 is indexed and validated with FIX 4.4's dictionary).
 */
const suites: { dir: string; beginString: string; label: string; rewrite?: (def: string) => string }[] = [
  { dir: 'fix44', beginString: 'FIX.4.4', label: 'fix44' },
  { dir: 'fix50sp2', beginString: 'FIXT.1.1', label: 'fix50sp2' },
  { dir: 'fix44', beginString: 'FIX.4.2', label: 'fix44-as-FIX.4.2', rewrite: (d) => d.replaceAll('8=FIX.4.4\x01', '8=FIX.4.2\x01') },
];

function loadKnownFailures(): Map<string, string> {
  const file = path.join(PROJECT_ROOT, 'test', 'conformance', 'known-failures.txt');
  const map = new Map<string, string>();
  if (!fs.existsSync(file)) return map;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) continue;
    const m = /^(\S+)\s+(.+)$/.exec(t);
    if (!m) throw new Error(`known-failures.txt: "${t}" has no reason`);
    map.set(m[1], m[2]);
  }
  return map;
}

/** Every script runs over both transports: the pure-Node one and the native agent (C framer, rings). */
const TRANSPORTS = ['node', 'native'] as const;

const known = loadKnownFailures();
const formats = loadFieldFormats(refdata('fix', 'quickfix-at', 'fields.fmt'));

for (const transport of TRANSPORTS) {
  for (const suite of suites) {
    const dir = refdata('fix', 'quickfix-at', suite.dir);
    const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.def')).sort() : [];
    for (const f of files) {
      const id = `${suite.label}/${f}`;
      test.serial(`${transport}: ${id}`, async (t) => {
        t.timeout(90_000);
        const text = fs.readFileSync(path.join(dir, f), 'latin1');
        const steps = parseDef(suite.rewrite ? suite.rewrite(text) : text);
        const server = await startAcceptanceServer({ port: 0, beginString: suite.beginString, transport });
        let failure: string | undefined;
        try {
          failure = await runScript(steps, { port: server.port, formats });
        } finally {
          await server.close();
        }
        const reason = known.get(id);
        if (reason !== undefined) {
          t.not(failure, undefined, `${id} is listed in known-failures.txt (${reason}) but passes: remove it from the list`);
          if (failure !== undefined) t.log(`known failure (${reason}): ${failure}`);
        } else {
          t.is(failure, undefined, failure);
        }
      });
    }
  }
}

test('both suites are present', (t) => {
  for (const s of suites) t.true(fs.readdirSync(refdata('fix', 'quickfix-at', s.dir)).some((f) => f.endsWith('.def')), s.dir);
});
