/**
 * Schema validation with xmllint (Debian libxml2-utils): many files per process, several processes at
 * once, and a verdict per file with xmllint's own message.
 *
 * Modelled on NSCC's public CNS descriptions and on ISO 20022; not DTCC-certified.
 *
 * xmllint runs with `--noout --nonet` (never fetches anything; external entities are not expanded)
 * and, for the large files the cycle close writes, `--stream` (reader-based validation, about twice
 * as fast and constant memory). Its report is read per file: a file is valid when xmllint said
 * "<file> validates" and said nothing else about it. File names handed to xmllint must be free of
 * whitespace and ':' (callers pass relative names under a cwd).
 *
 * A ValidationQueue and a SchemaSet are owned by the thread that created them (the event loop).
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GatewayError } from '../codec/errors.js';
import { envelopeXsd, MSG_DEF, type DocKind } from './xml.js';
import { SettlementErrorCode } from './types.js';

let available: boolean | undefined;

/** True when `xmllint` can be spawned (checked once per process). */
export function xmllintAvailable(): boolean {
  if (available === undefined) {
    const r = spawnSync('xmllint', ['--version'], { stdio: 'ignore' });
    available = r.error === undefined && r.status === 0;
  }
  return available;
}

/** `$GATEWAY_REFDATA/iso20022/xsd`, else `<cwd>/../shared/data/iso20022/xsd`. */
export function defaultXsdDir(): string {
  const root = process.env['GATEWAY_REFDATA'] ?? path.resolve(process.cwd(), '..', 'shared', 'data');
  return path.join(root, 'iso20022', 'xsd');
}

/** Check that the XSDs this room needs are present in `xsdDir`; throws SETTLEMENT_XSD_MISSING. */
export function checkXsdDir(xsdDir: string): void {
  for (const f of Object.values(MSG_DEF)) {
    const p = path.join(xsdDir, `${f}.xsd`);
    if (!fs.existsSync(p)) throw new GatewayError(SettlementErrorCode.XSD_MISSING, `ISO 20022 schema not found: ${p}`, { path: p });
  }
}

/**
 * The schemas files are validated against: the ISO XSDs in place for bare Documents, and generated
 * envelope schemas (BizMsg / BizMsgBatch = AppHdr + Document) in a private temp folder.
 * `dispose()` removes the temp folder.
 */
export class SchemaSet {
  private tmp: string | undefined;
  private readonly envelopes = new Map<DocKind, string>();

  constructor(readonly xsdDir: string) {
    checkXsdDir(xsdDir);
  }

  /** Schema of a bare ISO Document of `kind` (or of the AppHdr alone: 'head'). */
  document(kind: DocKind | 'head'): string {
    return path.join(this.xsdDir, `${MSG_DEF[kind]}.xsd`);
  }

  /** Schema of the envelope (BizMsg or BizMsgBatch) around a Document of `kind`. */
  envelope(kind: DocKind): string {
    let p = this.envelopes.get(kind);
    if (p === undefined) {
      this.tmp ??= fs.mkdtempSync(path.join(os.tmpdir(), 'settlement-xsd-'));
      p = path.join(this.tmp, `envelope-${MSG_DEF[kind]}.xsd`);
      fs.writeFileSync(p, envelopeXsd(kind, this.xsdDir));
      this.envelopes.set(kind, p);
    }
    return p;
  }

  dispose(): void {
    if (this.tmp !== undefined) fs.rmSync(this.tmp, { recursive: true, force: true });
    this.tmp = undefined;
    this.envelopes.clear();
  }
}

export interface XmllintVerdict {
  file: string;
  /** undefined when valid; else xmllint's messages about the file. */
  error: string | undefined;
}

const MAX_MESSAGE = 4000;

/** Read xmllint's stderr into one verdict per file. */
export function parseXmllintReport(files: readonly string[], stderr: string, status: number | null): XmllintVerdict[] {
  const known = new Set(files);
  const said = new Map<string, { validates: boolean; other: string[] }>();
  for (const f of files) said.set(f, { validates: false, other: [] });
  // Lines that name no file (a parser's context lines, libxml2's "Unimplemented block" in stream
  // mode) belong to the file being reported on if its verdict has not been given yet, else to the
  // next file named.
  let open: string | undefined;
  let orphans: string[] = [];
  for (const line of stderr.split('\n')) {
    if (line === '') continue;
    const m = /^([^\s:]+)/.exec(line);
    const f = m && known.has(m[1]!) ? m[1]! : undefined;
    if (f === undefined) {
      if (open !== undefined) said.get(open)!.other.push(line);
      else orphans.push(line);
      continue;
    }
    const entry = said.get(f)!;
    if (orphans.length > 0) {
      entry.other.push(...orphans);
      orphans = [];
    }
    const verdict = line === `${f} validates` || line === `${f} fails to validate` || line === `${f} : failed to parse`;
    if (line === `${f} validates`) entry.validates = true;
    else entry.other.push(line);
    open = verdict ? undefined : f;
  }
  if (orphans.length > 0 && files.length > 0) said.get(files[files.length - 1]!)!.other.push(...orphans);
  return files.map((f) => {
    const e = said.get(f)!;
    if (e.validates && e.other.length === 0) return { file: f, error: undefined };
    let msg = e.other.join('\n');
    if (msg === '') msg = `xmllint gave no verdict for this file (exit status ${status}): ${stderr.slice(0, 1000)}`;
    return { file: f, error: msg.length > MAX_MESSAGE ? msg.slice(0, MAX_MESSAGE) + '\n…' : msg };
  });
}

/** Validate `files` (names relative to `cwd`) against `schema` in one xmllint process. */
export function runXmllint(schema: string, files: readonly string[], cwd: string, stream = true): Promise<XmllintVerdict[]> {
  return new Promise((resolve, reject) => {
    const args = ['--noout', '--nonet', ...(stream ? ['--stream'] : []), '--schema', schema, ...files];
    const p = spawn('xmllint', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    const chunks: Buffer[] = [];
    p.stderr.on('data', (b: Buffer) => chunks.push(b));
    p.on('error', (e) =>
      reject(new GatewayError(SettlementErrorCode.XMLLINT_MISSING, `cannot run xmllint (install libxml2-utils): ${e.message}`, {}, { cause: e })),
    );
    p.on('close', (status) => resolve(parseXmllintReport(files, Buffer.concat(chunks).toString('utf8'), status)));
  });
}

/**
 * Validate files as they are produced: `add` queues a file for a schema; a chunk of files goes to
 * one xmllint process when it reaches `chunkBytes` or `chunkFiles`; at most `parallelism` processes
 * run at once. `finish()` flushes and resolves with every invalid file's verdict.
 */
export class ValidationQueue {
  private readonly pending = new Map<string, { files: string[]; bytes: number }>();
  private readonly running = new Set<Promise<void>>();
  private readonly waiting: (() => void)[] = [];
  private readonly failures: XmllintVerdict[] = [];
  private error: unknown;

  constructor(
    private readonly cwd: string,
    private readonly parallelism = Math.max(1, os.availableParallelism()),
    private readonly chunkBytes = 16 << 20,
    private readonly chunkFiles = 256,
  ) {}

  /** Queue `file` (relative to cwd) of `bytes` for `schema`; resolves when the queue has room. */
  async add(schema: string, file: string, bytes: number): Promise<void> {
    let p = this.pending.get(schema);
    if (p === undefined) this.pending.set(schema, (p = { files: [], bytes: 0 }));
    p.files.push(file);
    p.bytes += bytes;
    if (p.bytes >= this.chunkBytes || p.files.length >= this.chunkFiles) {
      this.pending.delete(schema);
      await this.launch(schema, p.files);
    }
  }

  private async launch(schema: string, files: string[]): Promise<void> {
    while (this.running.size >= this.parallelism) await new Promise<void>((r) => this.waiting.push(r));
    const job = runXmllint(schema, files, this.cwd)
      .then((v) => {
        for (const x of v) if (x.error !== undefined) this.failures.push(x);
      })
      .catch((e: unknown) => {
        this.error ??= e;
      })
      .finally(() => {
        this.running.delete(job);
        this.waiting.shift()?.();
      });
    this.running.add(job);
  }

  /** Flush what is queued, wait for every process; invalid files in queue order per chunk. Throws if xmllint could not run. */
  async finish(): Promise<XmllintVerdict[]> {
    for (const [schema, p] of [...this.pending]) {
      this.pending.delete(schema);
      await this.launch(schema, p.files);
    }
    while (this.running.size > 0) await Promise.all([...this.running]);
    if (this.error !== undefined) throw this.error;
    return this.failures.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  }
}
