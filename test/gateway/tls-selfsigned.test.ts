import test from 'ava';
import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { GatewayError } from '../../src/codec/errors.js';
import { createSelfSigned, ensureSelfSignedCert, SELF_SIGNED_CERT_FILE, SELF_SIGNED_KEY_FILE } from '../../src/gateway/tls-selfsigned.js';

const created: string[] = [];
process.on('exit', () => {
  for (const d of created) fs.rmSync(d, { recursive: true, force: true });
});

function tmpDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'tls-selfsigned-test-'));
  created.push(d);
  return d;
}

/** A bare node:tls server with the pair; a client trusting only the certificate connects and exchanges a line. */
async function handshake(certFile: string, keyFile: string, servername: string, host = '127.0.0.1'): Promise<{ authorized: boolean; echoed: string; peerFingerprint: string }> {
  const server = tls.createServer({ cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile) }, (s) => {
    s.on('data', (d) => s.end(`echo:${d.toString()}`));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  try {
    return await new Promise((resolve, reject) => {
      const c = tls.connect({ host, port, servername, ca: fs.readFileSync(certFile) }, () => {
        const peer = c.getPeerCertificate();
        c.write('ping');
        let echoed = '';
        c.on('data', (d) => (echoed += d.toString()));
        c.on('end', () => resolve({ authorized: c.authorized, echoed, peerFingerprint: peer.fingerprint256 }));
      });
      c.on('error', reject);
    });
  } finally {
    server.close();
  }
}

test('created on first run (key 0600, dir 0700), reused on later runs with the same fingerprint', (t) => {
  const dir = path.join(tmpDir(), 'data', 'tls');
  const logs: string[] = [];
  const first = ensureSelfSignedCert({ dir, log: (l) => logs.push(l) });
  t.true(first.created);
  t.is(first.certFile, path.join(dir, SELF_SIGNED_CERT_FILE));
  t.is(first.keyFile, path.join(dir, SELF_SIGNED_KEY_FILE));
  t.is(fs.statSync(first.keyFile).mode & 0o777, 0o600);
  t.is(fs.statSync(dir).mode & 0o777, 0o700);
  t.regex(first.fingerprint256, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  t.is(first.fingerprint256, new crypto.X509Certificate(fs.readFileSync(first.certFile)).fingerprint256);
  t.regex(logs[0]!, new RegExp(`^gateway: TLS self-signed certificate ${first.certFile} \\(created, valid to .*\\), SHA-256 fingerprint ${first.fingerprint256}$`));
  t.deepEqual(fs.readdirSync(dir).sort(), [SELF_SIGNED_CERT_FILE, SELF_SIGNED_KEY_FILE], 'no temporary files left');
  const certBytes = fs.readFileSync(first.certFile);
  const keyBytes = fs.readFileSync(first.keyFile);

  const second = ensureSelfSignedCert({ dir, log: (l) => logs.push(l) });
  t.false(second.created);
  t.is(second.fingerprint256, first.fingerprint256);
  t.deepEqual(fs.readFileSync(second.certFile), certBytes);
  t.deepEqual(fs.readFileSync(second.keyFile), keyBytes);
  t.regex(logs[1]!, /\(reused, valid to .*\), SHA-256 fingerprint /);
});

test('a node:tls client that trusts only the certificate connects to a server using the pair', async (t) => {
  const dir = tmpDir();
  const r = ensureSelfSignedCert({ dir, hosts: ['gw.example.test', '10.1.2.3', '0.0.0.0'], log: () => {} });
  const viaLocalhost = await handshake(r.certFile, r.keyFile, 'localhost');
  t.true(viaLocalhost.authorized);
  t.is(viaLocalhost.echoed, 'echo:ping');
  t.is(viaLocalhost.peerFingerprint, r.fingerprint256, 'members can pin what the gateway printed');
  t.true((await handshake(r.certFile, r.keyFile, 'gw.example.test')).authorized);
  // A name not in subjectAltName is refused by the client's hostname check.
  await t.throwsAsync(handshake(r.certFile, r.keyFile, 'other.example.test'), { message: /Hostname\/IP does not match certificate's altnames/ });
  const x = new crypto.X509Certificate(fs.readFileSync(r.certFile));
  t.true(x.checkHost('gw.example.test') !== undefined);
  t.is(x.checkIP('10.1.2.3'), '10.1.2.3');
  t.is(x.checkIP('127.0.0.1'), '127.0.0.1');
  t.is(x.checkIP('::1'), '::1');
  t.is(x.checkIP('0.0.0.0'), undefined, 'wildcard bind addresses are not names');
});

test('openssl accepts the certificate: self-verifies, v3 extensions as documented', (t) => {
  const dir = tmpDir();
  const r = ensureSelfSignedCert({ dir, commonName: 'gw-test', days: 30, log: () => {} });
  const verify = execFileSync('openssl', ['verify', '-CAfile', r.certFile, r.certFile], { encoding: 'utf8' });
  t.is(verify.trim(), `${r.certFile}: OK`);
  const text = execFileSync('openssl', ['x509', '-in', r.certFile, '-noout', '-text', '-fingerprint', '-sha256'], { encoding: 'utf8' });
  t.regex(text, /Version: 3 \(0x2\)/);
  t.regex(text, /Signature Algorithm: ecdsa-with-SHA256/);
  t.regex(text, /Subject: CN = gw-test, O = clearing-gateway/);
  t.regex(text, /Basic Constraints: critical\s+CA:TRUE/);
  t.regex(text, /Key Usage: critical\s+Digital Signature, Certificate Sign/);
  t.regex(text, /Extended Key Usage:\s+TLS Web Server Authentication/);
  t.regex(text, /DNS:localhost, IP Address:127\.0\.0\.1, IP Address:0:0:0:0:0:0:0:1/);
  t.true(text.includes(`sha256 Fingerprint=${r.fingerprint256}`));
  const key = execFileSync('openssl', ['pkey', '-in', r.keyFile, '-noout', '-text'], { encoding: 'utf8' });
  t.regex(key, /ASN1 OID: prime256v1/);
  const x = new crypto.X509Certificate(fs.readFileSync(r.certFile));
  const days = (Date.parse(x.validTo) - Date.parse(x.validFrom)) / 86_400_000;
  t.true(days > 30 && days < 30.1, String(days)); // 30 days + the hour of back-dating
});

test('an expired certificate is replaced (new fingerprint); an incomplete pair is recreated', (t) => {
  const dir = tmpDir();
  const first = ensureSelfSignedCert({ dir, days: 1, log: () => {} });
  const logs: string[] = [];
  const later = ensureSelfSignedCert({ dir, now: () => Date.now() + 3 * 86_400_000, log: (l) => logs.push(l) });
  t.true(later.created);
  t.not(later.fingerprint256, first.fingerprint256);
  t.regex(logs[0]!, /expired on .*; creating a new one \(members must pin the new fingerprint\)/);
  fs.unlinkSync(later.certFile);
  const again = ensureSelfSignedCert({ dir, log: (l) => logs.push(l) });
  t.true(again.created);
  t.regex(logs[2]!, /is incomplete \(no certificate\); creating a new pair/);
  t.is(fs.statSync(again.keyFile).mode & 0o777, 0o600);
});

test('a certificate that does not match its key, or does not parse, is an error and left alone', (t) => {
  const dir = tmpDir();
  const r = ensureSelfSignedCert({ dir, log: () => {} });
  const other = createSelfSigned({});
  fs.writeFileSync(r.certFile, other.certPem);
  const e = t.throws(() => ensureSelfSignedCert({ dir, log: () => {} })) as GatewayError;
  t.is(e.code, 'TLS_SELF_SIGNED');
  t.regex(e.message, /does not match the key/);
  t.is(fs.readFileSync(r.certFile, 'utf8'), other.certPem, 'not overwritten');
  fs.writeFileSync(r.certFile, 'not a certificate');
  const e2 = t.throws(() => ensureSelfSignedCert({ dir, log: () => {} })) as GatewayError;
  t.is(e2.code, 'TLS_SELF_SIGNED');
  t.regex(e2.message, /cannot be read/);
});

test('a reused key file readable by others is warned about', (t) => {
  const dir = tmpDir();
  const r = ensureSelfSignedCert({ dir, log: () => {} });
  fs.chmodSync(r.keyFile, 0o644);
  const logs: string[] = [];
  ensureSelfSignedCert({ dir, log: (l) => logs.push(l) });
  t.regex(logs[0]!, /warning: TLS key .* is accessible by group or others \(mode 0644\); run: chmod 600/);
});
