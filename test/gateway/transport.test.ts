import test from 'ava';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkConfig, type GatewayConfig } from '../../src/gateway/config.js';
import { agentIdle, createTransport, fixListeners } from '../../src/gateway/transport.js';
import { loadAddon } from '../../src/native/addon.js';
import { Recorder, fixMessage } from '../transport/helpers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function config(patch: (c: Record<string, any>) => void): GatewayConfig {
  const c = JSON.parse(fs.readFileSync(path.join(ROOT, 'gateway.config.json'), 'utf8'));
  patch(c);
  const r = checkConfig(c);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.config;
}

test('the listeners and TLS profile come from fix.tcp and fix.tls', (t) => {
  const c = config((x) => {
    x.fix.tls = { host: '0.0.0.0', port: 9879, certFile: './data/tls/gateway.crt', keyFile: './data/tls/gateway.key' };
    x.fix.tls.caFile = './members-ca.pem';
    x.fix.tls.requireClientCert = true;
  });
  t.deepEqual(fixListeners(c), [
    { host: '127.0.0.1', port: 9878 },
    {
      host: '0.0.0.0',
      port: 9879,
      tls: { certFile: './data/tls/gateway.crt', keyFile: './data/tls/gateway.key', caFile: './members-ca.pem', verifyPeer: true, minVersion: 'TLSv1.2' },
    },
  ]);
  t.deepEqual(['spin', 'yield', 'park', 'spin-then-park', undefined].map((k) => agentIdle(k as never)), ['spin', 'yield', 'park', 'backoff', 'backoff']);
});

// npm test builds the addon before the unit tests; the native case needs it.
const addon = loadAddon();
for (const kind of ['node', 'native'] as const) {
  test(`fix.transport "${kind}" frames member messages`, async (t) => {
    const c = config((x) => {
      x.fix.transport = kind;
      x.fix.maxFields = 64;
      x.fix.maxMessageBytes = 4096;
      x.native = { ringBytes: 65536, maxFrameBytes: 16384 };
    });
    const rec = new Recorder();
    const tr = createTransport(c, rec, addon);
    t.is(tr.kind, kind);
    try {
      const l = await tr.listen({ host: '127.0.0.1', port: 0 });
      const sock = net.connect(l.port, '127.0.0.1');
      await new Promise<void>((resolve) => sock.once('connect', () => resolve()));
      sock.write(Buffer.concat([fixMessage(1), fixMessage(2, 'AE')]));
      await rec.until(() => rec.of('message').length === 2, 5000, 'two messages');
      t.deepEqual(rec.of('message').map((m) => [m.msgType, m.seq]), [['D', 1], ['AE', 2]]);
      sock.destroy();
    } finally {
      await tr.close();
    }
  });
}
