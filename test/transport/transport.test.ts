/**
 * Both transports (pure Node and native) against the same peers and the same expectations:
 *   acceptor <-> node:net client: FIX in random fragments arrives as the right messages in order,
 *   garbled bytes produce onGarbled and the connection continues, echo back, peer close;
 *   TLS acceptor <-> node:tls client with a client certificate (subject reported), without one
 *   (rejected when verifyPeer), with one from another CA (rejected);
 *   node:tls server <-> transport connector (server certificate verified, subject reported);
 *   connect refused; close() with connections open (onDisconnected for each, the peer sees EOF).
 * The native runs need the addon (npm run build:native; GATEWAY_ADDON selects another build).
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { NativeTransport } from '../../src/native/net.js';
import { NodeTransport } from '../../src/transport/node.js';
import { SEND_NOT_CONNECTED, SEND_OK, type Transport } from '../../src/transport/transport.js';
import { type Certs, Recorder, delay, fixMessage, fragments, makeCerts } from './helpers.js';

type Kind = 'node' | 'native';
const KINDS: Kind[] = ['node', 'native'];

function create(kind: Kind, rec: Recorder): Transport {
  return kind === 'node' ? new NodeTransport(rec) : new NativeTransport(rec, { idle: 'backoff' });
}

let certs: Certs;
test.before(() => {
  certs = makeCerts();
});
test.after.always(() => {
  if (certs !== undefined) fs.rmSync(certs.dir, { recursive: true, force: true });
});

/** Writes the fragments with a pause every few, so they arrive as separate reads. */
async function writeFragments(socket: net.Socket, parts: Buffer[]): Promise<void> {
  for (let i = 0; i < parts.length; i++) {
    socket.write(parts[i]);
    if (i % 7 === 0) await delay(1);
  }
}

function readAll(socket: net.Socket): { data: () => Buffer } {
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  return { data: () => Buffer.concat(chunks) };
}

for (const kind of KINDS) {
  test.serial(`${kind}: TCP acceptor <-> node:net client, fragments, garbled, echo, peer close`, async (t) => {
    const rec = new Recorder();
    const tr = create(kind, rec);
    rec.echo = (id, m) => {
      t.is(tr.send(id, m.buffer, m.rawOffset, m.rawLength), SEND_OK);
    };
    try {
      const { id: listenerId, port } = await tr.listen({ host: '127.0.0.1', port: 0 });
      t.true(port > 0);
      const client = net.connect({ host: '127.0.0.1', port });
      const got = readAll(client);
      await rec.until(() => rec.of('connected').length === 1, 5000, 'connected');
      const c = rec.of('connected')[0]!;
      t.not(c.id, listenerId);
      t.is(c.info.remoteAddress, '127.0.0.1');
      t.is(c.info.localPort, port);
      t.false(c.info.tls);
      t.is(c.info.tlsSubject, '');

      const msgs: Buffer[] = [];
      for (let s = 1; s <= 300; s++) msgs.push(fixMessage(s));
      const junk = Buffer.from('GARBAGE-NOT-FIX\x01', 'latin1');
      const stream = Buffer.concat([...msgs.slice(0, 150), junk, ...msgs.slice(150)]);
      await writeFragments(client, fragments(stream, 97, 42));
      await rec.until(() => rec.of('message').length === 300, 10000, '300 messages');
      const got300 = rec.of('message', c.id);
      t.is(got300.length, 300);
      t.true(got300.every((m, i) => m.raw.equals(msgs[i]!) && m.seq === i + 1 && m.msgType === 'D'));
      const g = rec.of('garbled', c.id);
      t.true(g.length >= 1);
      t.is(g.reduce((n, e) => n + e.discarded, 0), junk.length);
      t.is(g[0]!.streamOffset, msgs.slice(0, 150).reduce((n, m) => n + m.length, 0));
      t.is(g[0]!.reason, 1); // BadBeginString

      // every message echoed back in order
      const expected = Buffer.concat(msgs);
      const end = Date.now() + 5000;
      while (got.data().length < expected.length && Date.now() < end) await delay(5);
      t.true(got.data().equals(expected));

      client.end();
      await rec.until(() => rec.of('disconnected', c.id).length === 1, 5000, 'disconnected');
      t.regex(rec.of('disconnected', c.id)[0]!.reason, /peer closed/);
      t.is(tr.send(c.id, expected, 0, 10), SEND_NOT_CONNECTED);
      t.is(rec.of('error').length, 0);
    } finally {
      await tr.close();
    }
  });

  test.serial(`${kind}: mutual TLS acceptor <-> node:tls client (subject, no cert, wrong CA)`, async (t) => {
    const rec = new Recorder();
    const tr = create(kind, rec);
    rec.echo = (id, m) => {
      tr.send(id, m.buffer, m.rawOffset, m.rawLength);
    };
    try {
      const { port } = await tr.listen({
        host: '127.0.0.1',
        port: 0,
        tls: { certFile: certs.serverCert, keyFile: certs.serverKey, caFile: certs.ca, verifyPeer: true },
      });
      const ca = fs.readFileSync(certs.ca);
      // 1. a member with its certificate: connected, subject reported, data both ways
      const good = tls.connect({ host: '127.0.0.1', port, ca, servername: 'localhost', cert: fs.readFileSync(certs.clientCert), key: fs.readFileSync(certs.clientKey) });
      const echoed = readAll(good);
      await new Promise<void>((resolve, reject) => {
        good.once('secureConnect', resolve);
        good.once('error', reject);
      });
      t.true(good.authorized);
      await rec.until(() => rec.of('connected').length === 1, 5000, 'tls connected');
      const c = rec.of('connected')[0]!;
      t.true(c.info.tls);
      t.is(c.info.tlsSubject, 'CN=member1,O=Gateway');
      const msgs = Buffer.concat([fixMessage(1), fixMessage(2), fixMessage(3)]);
      await writeFragments(good, fragments(msgs, 13, 7));
      await rec.until(() => rec.of('message', c.id).length === 3, 5000, '3 tls messages');
      const end = Date.now() + 5000;
      while (echoed.data().length < msgs.length && Date.now() < end) await delay(5);
      t.true(echoed.data().equals(msgs));
      good.end();
      await rec.until(() => rec.of('disconnected', c.id).length === 1, 5000, 'tls disconnected');

      // 2. no client certificate: the handshake fails on the server
      const before = rec.of('error').length;
      const anon = tls.connect({ host: '127.0.0.1', port, ca, servername: 'localhost' });
      const anonOutcome = await new Promise<string>((resolve) => {
        anon.once('error', (e) => resolve(`error ${e.message}`));
        anon.once('close', () => resolve('closed'));
        anon.once('data', () => resolve('data'));
      });
      t.not(anonOutcome, 'data');
      anon.destroy();
      await rec.until(() => rec.of('error').length > before, 5000, 'server-side TLS error (no cert)');
      t.regex(rec.of('error').at(-1)!.reason, /certificate|handshake/i);

      // 3. a certificate from another CA: rejected
      const before2 = rec.of('error').length;
      const rogue = tls.connect({ host: '127.0.0.1', port, ca, servername: 'localhost', cert: fs.readFileSync(certs.rogueCert), key: fs.readFileSync(certs.rogueKey) });
      await new Promise<void>((resolve) => {
        rogue.once('error', () => resolve());
        rogue.once('close', () => resolve());
      });
      rogue.destroy();
      await rec.until(() => rec.of('error').length > before2, 5000, 'server-side TLS error (rogue)');
      t.regex(rec.of('error').at(-1)!.reason, /certificate|handshake|unknown ca/i);
      t.is(rec.of('connected').length, 1, 'no rejected client ever surfaced as connected');
    } finally {
      await tr.close();
    }
  });

  test.serial(`${kind}: connector -> node:tls server (server certificate verified)`, async (t) => {
    const rec = new Recorder();
    const tr = create(kind, rec);
    const serverGot: Buffer[] = [];
    const server = tls.createServer(
      { cert: fs.readFileSync(certs.serverCert), key: fs.readFileSync(certs.serverKey), ca: fs.readFileSync(certs.ca), requestCert: true, rejectUnauthorized: true },
      (s) => {
        s.on('data', (d: Buffer) => serverGot.push(d));
        s.write(Buffer.concat([fixMessage(10), fixMessage(11)]));
      },
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const id = tr.connect({
        host: '127.0.0.1',
        port,
        serverName: 'localhost',
        tls: { certFile: certs.clientCert, keyFile: certs.clientKey, caFile: certs.ca, verifyPeer: true },
      });
      await rec.until(() => rec.of('connected', id).length === 1, 5000, 'connector connected');
      const c = rec.of('connected', id)[0]!;
      t.is(c.info.tlsSubject, 'CN=localhost,O=Gateway');
      t.is(c.info.remotePort, port);
      await rec.until(() => rec.of('message', id).length === 2, 5000, 'messages from the server');
      t.deepEqual(
        rec.of('message', id).map((m) => m.seq),
        [10, 11],
      );
      const m = fixMessage(12);
      t.is(tr.send(id, m, 0, m.length), SEND_OK);
      const end = Date.now() + 5000;
      while (Buffer.concat(serverGot).length < m.length && Date.now() < end) await delay(5);
      t.true(Buffer.concat(serverGot).equals(m));
      tr.disconnect(id);
      await rec.until(() => rec.of('disconnected', id).length === 1, 5000, 'connector disconnected');
      t.is(rec.of('error').length, 0);

      // a server certificate that does not verify against the CA we trust: error, never connected
      const bad = tr.connect({ host: '127.0.0.1', port, serverName: 'localhost', tls: { certFile: certs.clientCert, keyFile: certs.clientKey, caFile: certs.otherCa, verifyPeer: true } });
      await rec.until(() => rec.of('error', bad).length === 1, 5000, 'verification error');
      t.is(rec.of('connected', bad).length, 0);
      t.regex(rec.of('error', bad)[0]!.reason, /certificate|verify/i);
    } finally {
      await tr.close();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  test.serial(`${kind}: connect refused, listen conflict, close() with connections open`, async (t) => {
    const rec = new Recorder();
    const tr = create(kind, rec);
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const deadPort = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const id = tr.connect({ host: '127.0.0.1', port: deadPort });
    await rec.until(() => rec.of('error', id).length === 1, 5000, 'refused');
    t.is(rec.of('error', id)[0]!.code, 111); // ECONNREFUSED (Linux)
    t.is(rec.of('connected', id).length, 0);

    const { port } = await tr.listen({ host: '127.0.0.1', port: 0 });
    await t.throwsAsync(tr.listen({ host: '127.0.0.1', port }), { message: /in use/i });

    const clients = [net.connect({ port, host: '127.0.0.1' }), net.connect({ port, host: '127.0.0.1' })];
    const closed = clients.map((c) => new Promise<void>((r) => c.once('close', () => r())));
    for (const c of clients) c.on('error', () => undefined);
    await rec.until(() => rec.of('connected').length === 2, 5000, '2 connected');
    const ids = rec.of('connected').map((e) => e.id);
    await tr.close();
    for (const cid of ids) t.is(rec.of('disconnected', cid).length, 1);
    await Promise.all(closed); // the peers saw the connections end
    t.throws(() => tr.connect({ host: '127.0.0.1', port }));
  });
}
