/**
 * Native network agent specifics (src/native/net.ts over native/src/core/net.c):
 *   - `openssl s_client` (a child process; TLS 1.3 and TLS 1.2) against the native mutual-TLS acceptor:
 *     message in, echo out, clean close
 *   - agent counters; a peer that never reads is closed with "send buffer full" (ENOBUFS)
 * Needs the addon (npm run build:native; GATEWAY_ADDON selects another build) and the openssl CLI.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { NativeTransport } from '../../src/native/net.js';
import { SEND_NOT_CONNECTED, SEND_OK } from '../../src/transport/transport.js';
import { type Certs, Recorder, delay, fixMessage, makeCerts } from '../transport/helpers.js';

let certs: Certs;
test.before(() => {
  certs = makeCerts();
});
test.after.always(() => {
  if (certs !== undefined) fs.rmSync(certs.dir, { recursive: true, force: true });
});

for (const version of ['-tls1_3', '-tls1_2']) {
  test.serial(`openssl s_client ${version} <-> native mutual-TLS acceptor`, async (t) => {
    const rec = new Recorder();
    const tr = new NativeTransport(rec);
    rec.echo = (id, m) => {
      tr.send(id, m.buffer, m.rawOffset, m.rawLength);
    };
    try {
      const { port } = await tr.listen({
        host: '127.0.0.1',
        port: 0,
        tls: { certFile: certs.serverCert, keyFile: certs.serverKey, caFile: certs.ca, verifyPeer: true },
      });
      const child = spawn(
        'openssl',
        ['s_client', '-connect', `127.0.0.1:${port}`, version, '-cert', certs.clientCert, '-key', certs.clientKey, '-CAfile', certs.ca, '-verify_return_error', '-servername', 'localhost', '-quiet'],
        { stdio: ['pipe', 'pipe', 'pipe'] },
      );
      let out = Buffer.alloc(0);
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out = Buffer.concat([out, d])));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      await rec.until(() => rec.of('connected').length === 1, 10000, 's_client connected');
      const c = rec.of('connected')[0]!;
      t.is(c.info.tlsSubject, 'CN=member1,O=Gateway');
      const m = Buffer.concat([fixMessage(1), fixMessage(2)]);
      child.stdin.write(m);
      await rec.until(() => rec.of('message', c.id).length === 2, 10000, 'messages from s_client');
      const end = Date.now() + 5000;
      while (!out.includes(m) && Date.now() < end) await delay(10);
      t.true(out.includes(m), `s_client got the echo (stderr: ${err})`);
      tr.disconnect(c.id); // close_notify + FIN: s_client exits
      await rec.until(() => rec.of('disconnected', c.id).length === 1, 5000, 'disconnected');
      const code = await Promise.race([exited, delay(5000).then(() => 'timeout')]);
      t.not(code, 'timeout', 's_client exited after our close');
      if (code === 'timeout') child.kill();
    } finally {
      await tr.close();
    }
  });
}

test.serial('a peer that never reads is closed with "send buffer full"; counters', async (t) => {
  const rec = new Recorder();
  const tr = new NativeTransport(rec, { agent: { sendBufferBytes: 64 * 1024 } });
  try {
    const { port } = await tr.listen({ host: '127.0.0.1', port: 0 });
    const client = net.connect({ host: '127.0.0.1', port });
    client.pause(); // never reads
    client.on('error', () => undefined);
    await rec.until(() => rec.of('connected').length === 1, 5000, 'connected');
    const id = rec.of('connected')[0]!.id;
    const chunk = Buffer.alloc(32 * 1024, 0x78);
    let results = 0;
    for (let i = 0; i < 4096 && rec.of('error', id).length === 0; i++) {
      const r = tr.send(id, chunk, 0, chunk.length);
      if (r === SEND_OK) results++;
      else if (r === SEND_NOT_CONNECTED) break;
      if (i % 16 === 0) await delay(1);
    }
    await rec.until(() => rec.of('error', id).length === 1, 10000, 'send buffer full');
    const e = rec.of('error', id)[0]!;
    t.is(e.code, 105); // ENOBUFS
    t.regex(e.reason, /send buffer full/);
    t.true(results > 2);
    const s = tr.stats();
    t.is(s.sendBufferFull, 1);
    t.is(s.accepted, 1);
    t.true(s.bytesOut > 64 * 1024);
    client.destroy();
  } finally {
    await tr.close();
  }
});

test.serial('a small inbound ring back-pressures the agent: 5000 messages, none lost, in order', async (t) => {
  const rec = new Recorder();
  const tr = new NativeTransport(rec, {
    inboundRingBytes: 16384,
    inboundMaxFrame: 8192,
    agent: { maxMessageBytes: 1024, recvBufferBytes: 4096, maxFields: 64 },
    poller: { batchLimit: 4, batchesPerTurn: 1 },
  });
  try {
    const { port } = await tr.listen({ host: '127.0.0.1', port: 0 });
    const client = net.connect({ host: '127.0.0.1', port });
    await rec.until(() => rec.of('connected').length === 1, 5000, 'connected');
    const id = rec.of('connected')[0]!.id;
    const all: Buffer[] = [];
    for (let s = 1; s <= 5000; s++) all.push(fixMessage(s));
    client.write(Buffer.concat(all));
    await rec.until(() => rec.of('message', id).length === 5000, 20000, '5000 messages');
    const got = rec.of('message', id);
    t.true(got.every((m, i) => m.seq === i + 1 && m.raw.equals(all[i]!)));
    t.true(tr.stats().backPressured > 0, 'the agent met a full ring and resumed');
    t.is(rec.of('garbled').length, 0);
    client.destroy();
  } finally {
    await tr.close();
  }
});
