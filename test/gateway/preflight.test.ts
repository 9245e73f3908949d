import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkConfig, type GatewayConfig } from '../../src/gateway/config.js';
import { preflight } from '../../src/gateway/preflight.js';
import { loadAddon } from '../../src/native/addon.js';
import { feedBackends } from '../../src/native/feed.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function config(backend: 'kernel' | 'dpdk' | 'efvi'): GatewayConfig {
  const c = JSON.parse(fs.readFileSync(path.join(ROOT, 'gateway.config.json'), 'utf8'));
  c.sbe.udpFeed.backend = backend;
  const r = checkConfig(c);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.config;
}

test('the embedded defaults pass the preflight, which names the transport, scanner and feed backend', (t) => {
  const checks = preflight(config('kernel'));
  t.deepEqual(checks.map((c) => [c.what, c.ok]), [['native module', true], ['FIX transport', true], ['SBE/UDP feed', true]]);
  t.regex(checks[1]!.detail, /^native; FIX scanner (scalar|sse2|avx2)$/);
  t.regex(checks[2]!.detail, /^backend kernel; built in: udp/);
});

test('a feed backend that is not built in fails the preflight and names the config path', (t) => {
  const built = feedBackends(loadAddon());
  t.false(built.includes('efvi'), 'ef_vi is never built on this machine (no Onload headers)');
  const feed = preflight(config('efvi')).find((c) => c.what === 'SBE/UDP feed');
  t.is(feed?.ok, false);
  t.regex(feed?.detail ?? '', /backend "efvi" \(sbe\.udpFeed\.backend\) is not built into the native module; built in: udp/);
  // DPDK is built when pkg-config found libdpdk at configure time (CI installs it).
  t.is(preflight(config('dpdk')).find((c) => c.what === 'SBE/UDP feed')?.ok, built.includes('dpdk'));
});
