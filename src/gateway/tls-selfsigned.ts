/**
 * A self-signed TLS certificate for a TLS listener configured without certFile/keyFile (config
 * `fix.tls.autoSelfSigned`): created on first run, reused afterwards, so members can pin it.
 *
 * Contract of ensureSelfSignedCert({dir}):
 * - `<dir>/selfsigned.key.pem` (PKCS#8, mode 0600) and `<dir>/selfsigned.cert.pem` (X.509 v3) are
 *   created when neither exists: an ECDSA P-256 key from node:crypto and a certificate whose DER is
 *   built here and signed with node:crypto (node:crypto parses certificates but cannot issue them; this
 *   avoids depending on the `openssl` binary at run time). `dir` is created with mode 0700.
 * - When both exist and the certificate parses, matches the key and has not expired, they are reused
 *   unchanged (same fingerprint). An expired certificate is replaced (the new fingerprint is printed;
 *   members who pinned the old one must re-pin). When only one of the two files exists (an earlier
 *   creation was interrupted) both are recreated. A certificate that does not parse or does not
 *   match its key is an error (TLS_SELF_SIGNED), never silently overwritten: an operator looks first.
 * - A reused key file that group/others can access is warned about.
 * - Files are written to temporary names and renamed, key first, so a crash never leaves a
 *   certificate without its key.
 * The certificate: subject and issuer CN=<commonName> (default "clearing-gateway self-signed"),
 * subjectAltName DNS:localhost, IP:127.0.0.1, IP:::1, os.hostname() and the `hosts` given (names or
 * addresses; wildcard binds 0.0.0.0/:: are skipped), basicConstraints CA:TRUE (so clients can use the
 * certificate itself as their trust anchor), keyUsage digitalSignature+keyCertSign, extKeyUsage
 * serverAuth, validity from one hour ago for `days` (default 825).
 *
 * Synchronous (start-up only); any thread.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { GatewayError } from '../codec/errors.js';

export const TlsSelfSignedErrorCode = {
  /** The existing certificate/key cannot be used and was left alone. */
  TLS_SELF_SIGNED: 'TLS_SELF_SIGNED',
} as const;

export const SELF_SIGNED_CERT_FILE = 'selfsigned.cert.pem';
export const SELF_SIGNED_KEY_FILE = 'selfsigned.key.pem';

export interface SelfSignedOptions {
  /** Directory holding the pair (e.g. `<data>/tls`). */
  dir: string;
  /** Subject and issuer common name. */
  commonName?: string;
  /** Extra subjectAltName entries: DNS names or IP addresses (e.g. the listener's host). */
  hosts?: string[];
  /** Validity in days (default 825). */
  days?: number;
  /** Clock (epoch ms), default Date.now. */
  now?: () => number;
  /** Operator log line (creation/reuse with the fingerprint, warnings); default console.log. */
  log?: (line: string) => void;
}

export interface SelfSignedResult {
  certFile: string;
  keyFile: string;
  /** SHA-256 fingerprint of the certificate's DER, colon-separated upper-case hex (as openssl prints it). */
  fingerprint256: string;
  /** True when created (or replaced) by this call, false when reused. */
  created: boolean;
  /** Certificate validity end (ISO 8601). */
  validTo: string;
}

export function ensureSelfSignedCert(o: SelfSignedOptions): SelfSignedResult {
  const log = o.log ?? ((l: string) => console.log(l));
  const now = o.now ?? Date.now;
  const certFile = path.join(o.dir, SELF_SIGNED_CERT_FILE);
  const keyFile = path.join(o.dir, SELF_SIGNED_KEY_FILE);
  const haveCert = fs.existsSync(certFile);
  const haveKey = fs.existsSync(keyFile);
  if (haveCert && haveKey) {
    const existing = loadPair(certFile, keyFile);
    const notAfter = Date.parse(existing.validTo);
    if (Number.isFinite(notAfter) && notAfter > now()) {
      const mode = fs.statSync(keyFile).mode & 0o777;
      if ((mode & 0o077) !== 0) log(`gateway: warning: TLS key ${keyFile} is accessible by group or others (mode ${mode.toString(8).padStart(4, '0')}); run: chmod 600 ${keyFile}`);
      log(`gateway: TLS self-signed certificate ${certFile} (reused, valid to ${new Date(notAfter).toISOString()}), SHA-256 fingerprint ${existing.fingerprint256}`);
      return { certFile, keyFile, fingerprint256: existing.fingerprint256, created: false, validTo: new Date(notAfter).toISOString() };
    }
    log(`gateway: TLS self-signed certificate ${certFile} expired on ${existing.validTo}; creating a new one (members must pin the new fingerprint)`);
  } else if (haveCert || haveKey) {
    log(`gateway: TLS self-signed pair in ${o.dir} is incomplete (${haveCert ? 'no key' : 'no certificate'}); creating a new pair`);
  }
  fs.mkdirSync(o.dir, { recursive: true, mode: 0o700 });
  const { keyPem, certPem, cert } = createSelfSigned({ commonName: o.commonName, hosts: o.hosts, days: o.days, now: now() });
  writeAtomic(keyFile, keyPem, 0o600);
  writeAtomic(certFile, certPem, 0o644);
  const validTo = new Date(Date.parse(cert.validTo)).toISOString();
  log(`gateway: TLS self-signed certificate ${certFile} (created, valid to ${validTo}), SHA-256 fingerprint ${cert.fingerprint256}`);
  return { certFile, keyFile, fingerprint256: cert.fingerprint256, created: true, validTo };
}

function loadPair(certFile: string, keyFile: string): crypto.X509Certificate {
  let cert: crypto.X509Certificate;
  let key: crypto.KeyObject;
  try {
    cert = new crypto.X509Certificate(fs.readFileSync(certFile));
    key = crypto.createPrivateKey(fs.readFileSync(keyFile));
  } catch (e) {
    throw new GatewayError(TlsSelfSignedErrorCode.TLS_SELF_SIGNED, `TLS self-signed pair ${certFile} / ${keyFile} cannot be read: ${(e as Error).message}; remove both files to create a new pair`, {
      certFile,
      keyFile,
    });
  }
  if (!cert.checkPrivateKey(key)) {
    throw new GatewayError(TlsSelfSignedErrorCode.TLS_SELF_SIGNED, `TLS certificate ${certFile} does not match the key ${keyFile}; remove both files to create a new pair`, { certFile, keyFile });
  }
  return cert;
}

/** Write `text` to `file` through a temporary file in the same directory (rename is atomic). */
function writeAtomic(file: string, text: string, mode: number): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w', mode);
  try {
    fs.writeSync(fd, text);
    fs.fchmodSync(fd, mode); // an existing tmp file keeps its old mode under openSync
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

export interface CreatedCert {
  keyPem: string;
  certPem: string;
  cert: crypto.X509Certificate;
}

/** A new ECDSA P-256 key and a self-signed certificate for it (see the module comment). */
export function createSelfSigned(o: { commonName?: string; hosts?: string[]; days?: number; now?: number }): CreatedCert {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const now = o.now ?? Date.now();
  const days = o.days ?? 825;
  if (!(Number.isInteger(days) && days >= 1 && days <= 36500)) throw new GatewayError(TlsSelfSignedErrorCode.TLS_SELF_SIGNED, 'days must be 1..36500', { days });
  const notBefore = new Date(now - 3600_000);
  const notAfter = new Date(now + days * 86_400_000);
  const serial = crypto.randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x40; // positive, 16 bytes, no leading zero
  const name = seq(set(seq(oid(OID_CN), utf8(o.commonName ?? 'clearing-gateway self-signed'))), set(seq(oid(OID_O), utf8('clearing-gateway'))));
  // subjectPublicKeyInfo's BIT STRING content (after the unused-bits byte) is the key for the key id.
  const keyId = crypto.createHash('sha1').update(spkiKeyBits(spki)).digest();
  const extensions = seq(
    ext(OID_BASIC_CONSTRAINTS, true, seq(bool(true))),
    ext(OID_KEY_USAGE, true, der(0x03, Buffer.from([0x02, 0x84]))), // digitalSignature(0) | keyCertSign(5)
    ext(OID_EXT_KEY_USAGE, false, seq(oid(OID_SERVER_AUTH))),
    ext(OID_SUBJECT_ALT_NAME, false, seq(...altNames(o.hosts ?? []))),
    ext(OID_SUBJECT_KEY_ID, false, der(0x04, keyId)),
    ext(OID_AUTHORITY_KEY_ID, false, seq(der(0x80, keyId))),
  );
  const sigAlg = seq(oid(OID_ECDSA_SHA256));
  const tbs = seq(
    der(0xa0, int(Buffer.from([2]))), // version v3
    int(serial),
    sigAlg,
    name,
    seq(time(notBefore), time(notAfter)),
    name,
    spki,
    der(0xa3, extensions),
  );
  const signature = crypto.sign('sha256', tbs, privateKey); // DER ECDSA-Sig-Value
  const certDer = seq(tbs, sigAlg, der(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const certPem = `-----BEGIN CERTIFICATE-----\n${certDer.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n?$/, '\n')}-----END CERTIFICATE-----\n`;
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const cert = new crypto.X509Certificate(certPem);
  if (!cert.verify(publicKey) || !cert.checkPrivateKey(privateKey)) {
    throw new GatewayError(TlsSelfSignedErrorCode.TLS_SELF_SIGNED, 'the generated certificate does not verify (internal error)');
  }
  return { keyPem, certPem, cert };
}

// ---- minimal DER (only what a certificate needs)

const OID_CN = '2.5.4.3';
const OID_O = '2.5.4.10';
const OID_BASIC_CONSTRAINTS = '2.5.29.19';
const OID_KEY_USAGE = '2.5.29.15';
const OID_EXT_KEY_USAGE = '2.5.29.37';
const OID_SUBJECT_ALT_NAME = '2.5.29.17';
const OID_SUBJECT_KEY_ID = '2.5.29.14';
const OID_AUTHORITY_KEY_ID = '2.5.29.35';
const OID_SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const OID_ECDSA_SHA256 = '1.2.840.10045.4.3.2';

function der(tag: number, content: Buffer): Buffer {
  const n = content.length;
  let len: Buffer;
  if (n < 0x80) len = Buffer.from([n]);
  else {
    const bytes: number[] = [];
    for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
    len = Buffer.from([0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([Buffer.from([tag]), len, content]);
}

const seq = (...items: Buffer[]): Buffer => der(0x30, Buffer.concat(items));
const set = (...items: Buffer[]): Buffer => der(0x31, Buffer.concat(items));
const utf8 = (s: string): Buffer => der(0x0c, Buffer.from(s, 'utf8'));
const bool = (v: boolean): Buffer => der(0x01, Buffer.from([v ? 0xff : 0]));

/** INTEGER from unsigned big-endian bytes (a 0 byte is prefixed when the top bit is set). */
function int(unsigned: Buffer): Buffer {
  return der(0x02, unsigned[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), unsigned]) : unsigned);
}

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const out: number[] = [parts[0]! * 40 + parts[1]!];
  for (const p of parts.slice(2)) {
    const b: number[] = [p & 0x7f];
    for (let v = Math.floor(p / 128); v > 0; v = Math.floor(v / 128)) b.unshift(0x80 | (v & 0x7f));
    out.push(...b);
  }
  return der(0x06, Buffer.from(out));
}

/** UTCTime before 2050, GeneralizedTime from 2050 (RFC 5280 4.1.2.5). */
function time(d: Date): Buffer {
  const iso = d.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '');
  return d.getUTCFullYear() < 2050 ? der(0x17, Buffer.from(`${digits.slice(2)}Z`, 'ascii')) : der(0x18, Buffer.from(`${digits}Z`, 'ascii'));
}

function ext(id: string, critical: boolean, value: Buffer): Buffer {
  return critical ? seq(oid(id), bool(true), der(0x04, value)) : seq(oid(id), der(0x04, value));
}

/** GeneralName entries: dNSName [2] or iPAddress [7]; duplicates and wildcard addresses dropped. */
function altNames(hosts: string[]): Buffer[] {
  const seen = new Set<string>();
  const out: Buffer[] = [];
  for (const h of ['localhost', '127.0.0.1', '::1', os.hostname(), ...hosts]) {
    const host = h.trim().toLowerCase();
    if (host === '' || host === '0.0.0.0' || host === '::' || seen.has(host)) continue;
    seen.add(host);
    const kind = net.isIP(host);
    if (kind === 4) out.push(der(0x87, Buffer.from(host.split('.').map(Number))));
    else if (kind === 6) out.push(der(0x87, ipv6Bytes(host)));
    else if (/^[a-z0-9*]([a-z0-9.-]*[a-z0-9])?$/.test(host)) out.push(der(0x82, Buffer.from(host, 'ascii')));
  }
  return out;
}

function ipv6Bytes(addr: string): Buffer {
  // Expand "::" and an embedded IPv4 tail, then 8 groups of 16 bits.
  let a = addr;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (v4) {
    const b = v4[1]!.split('.').map(Number);
    a = a.slice(0, -v4[1]!.length) + `${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const [head, tail] = a.includes('::') ? a.split('::') : [a, undefined];
  const h = head === '' || head === undefined ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

/** The subjectPublicKey BIT STRING's bytes (without the unused-bits byte) of a DER SubjectPublicKeyInfo. */
function spkiKeyBits(spki: Buffer): Buffer {
  // SEQUENCE { SEQUENCE algorithm, BIT STRING key }: skip the outer header and the algorithm.
  let i = 1 + lengthOfLength(spki, 1);
  i += 1 + lengthOfLength(spki, i + 1) + contentLength(spki, i + 1);
  const start = i + 1 + lengthOfLength(spki, i + 1);
  return spki.subarray(start + 1, start + contentLength(spki, i + 1));
}

function lengthOfLength(b: Buffer, at: number): number {
  return b[at]! & 0x80 ? 1 + (b[at]! & 0x7f) : 1;
}

function contentLength(b: Buffer, at: number): number {
  if (!(b[at]! & 0x80)) return b[at]!;
  let n = 0;
  for (let k = 1; k <= (b[at]! & 0x7f); k++) n = n * 256 + b[at + k]!;
  return n;
}
