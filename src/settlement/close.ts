/**
 * Cycle close: freeze a cycle's obligations into files, atomically, never overwriting a closed cycle.
 *
 * Modelled on NSCC's public CNS descriptions and on ISO 20022; NOT DTCC-certified.
 *
 * Layout of `<outDir>/<cycleId>/` (README.md, "Cycle folder"):
 *   cns-obligations.csv, cns-obligations.json   CNS obligation report
 *   money-summary.csv, money-summary.json       money settlement per member (+ CCP leg, total 0)
 *   secl.010/<member>.xml                       secl.010.001.03 obligation report (BizMsg envelope)
 *   sese.023/<member>.xml                       sese.023.001.11 instructions (BizMsgBatch, one BizMsg each)
 *   manifest.json                               every other file with its size and SHA-256
 *
 * Atomicity: everything is written into a hidden temp folder next to the target (same file
 * system), each file fsynced, optionally validated with xmllint, then the folder is fsynced and
 * renamed into place and the parent fsynced. A crash leaves either no cycle folder or a complete
 * one (plus a stale `.<cycleId>.tmp-<pid>-*` folder, removed by the next close of that cycle once
 * its process is gone). An existing cycle folder is never touched: SETTLEMENT_CYCLE_CLOSED, also
 * when a concurrent close wins the rename.
 *
 * Determinism: the bytes depend only on the input (no clock, no random, stable ordering), so
 * closing the same input again elsewhere gives identical files.
 *
 * Runs on the caller's event loop; synchronous CPU work (formatting) is interleaved with fsyncs on
 * libuv's pool and with xmllint processes validating the files already written.
 */
import { createHash, type Hash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { GatewayError, isGatewayError } from '../codec/errors.js';
import { ByteOut } from './bytes.js';
import { computeCycle } from './compute.js';
import { CycleXml } from './iso-writers.js';
import { CNS_COLUMNS, CNS_FORMAT, DISCLAIMER, FORMAT_VERSION, MONEY_COLUMNS, MONEY_FORMAT, cnsRows, moneyRows, writeTable } from './report-files.js';
import { isoDate } from './text.js';
import { SchemaSet, ValidationQueue, defaultXsdDir, runXmllint, xmllintAvailable } from './xmllint.js';
import {
  SettlementErrorCode,
  type CloseOptions,
  type CloseResult,
  type CycleComputation,
  type CycleInput,
  type CycleMember,
  type Obligation,
  type WrittenFile,
} from './types.js';

export const CYCLE_FILES = {
  cnsCsv: 'cns-obligations.csv',
  cnsJson: 'cns-obligations.json',
  moneyCsv: 'money-summary.csv',
  moneyJson: 'money-summary.json',
  manifest: 'manifest.json',
  secl010Dir: 'secl.010',
  sese023Dir: 'sese.023',
} as const;

export const MANIFEST_FORMAT = 'settlement-cycle-manifest';

/** Most fsyncs in flight at once (libuv's pool has 4 threads by default). */
const MAX_FSYNCS = 16;

/** One output file being written: a ByteOut whose chunks go to the file and the digest; fsync is started on `end()`. */
class FileSink {
  private readonly fd: number;
  private readonly hash: Hash = createHash('sha256');
  readonly out: ByteOut;

  constructor(
    readonly rel: string,
    abs: string,
  ) {
    this.fd = fs.openSync(abs, 'wx', 0o644);
    this.out = new ByteOut((b) => {
      let off = 0;
      while (off < b.length) off += fs.writeSync(this.fd, b, off, b.length - off);
      this.hash.update(b);
    });
  }

  /** Finish: returns the file's record and a promise of its fsync + close. */
  end(): { file: WrittenFile; synced: Promise<void> } {
    this.out.flush();
    const fd = this.fd;
    const synced = new Promise<void>((resolve, reject) =>
      fs.fsync(fd, (e) => {
        fs.close(fd, (e2) => (e ?? e2 ? reject(e ?? e2) : resolve()));
      }),
    );
    return { file: { path: this.rel, bytes: this.out.length, sha256: this.hash.digest('hex') }, synced };
  }
}

function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Remove temp folders of earlier, dead attempts to close this cycle. */
function removeStaleTemps(outDir: string, cycleId: string): void {
  const prefix = `.${cycleId}.tmp-`;
  for (const name of fs.readdirSync(outDir)) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length).split('-')[0]);
    if (Number.isInteger(pid) && pid !== process.pid && !alive(pid)) fs.rmSync(path.join(outDir, name), { recursive: true, force: true });
  }
}

function closedError(dir: string, cycleId: string): GatewayError {
  return new GatewayError(SettlementErrorCode.CYCLE_CLOSED, `cycle ${cycleId} is already closed (${dir}); a closed cycle is never overwritten`, {
    cycleId,
    dir,
  });
}

/**
 * Members and obligations covering every shape of message the cycle produces: member with/without
 * BIC × DELI/RECE × carried fail (with/without new activity) or none × with/without CUSIP. At most
 * a few dozen obligations whatever the cycle's size.
 */
export function sampleShapes(c: CycleComputation): { member: CycleMember; obligations: Obligation[] }[] {
  const seen = new Set<string>();
  const out: { member: CycleMember; obligations: Obligation[] }[] = [];
  for (const m of c.members) {
    const list = c.instructionsByMember.get(m.id);
    if (list === undefined) continue;
    let picked: Obligation[] | undefined;
    for (const o of list) {
      const fail = o.failQty !== 0 || o.failMoney !== 0;
      const key = `${m.bic !== undefined}/${o.side}/${fail}/${fail && (o.newNetQty !== 0 || o.newMoney !== 0)}/${o.security.cusip !== undefined}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (picked === undefined) out.push({ member: m, obligations: (picked = []) });
      picked.push(o);
    }
  }
  return out;
}

/** `validate: 'sample'`: render the sample shapes with the cycle's writers into a temp folder and validate them. */
async function validateSample(c: CycleComputation, xsdDir: string): Promise<void> {
  const schemas = new SchemaSet(xsdDir);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'settlement-sample-'));
  try {
    const xml = new CycleXml(c);
    const secl: string[] = [];
    const sese: string[] = [];
    for (const { member, obligations } of sampleShapes(c)) {
      for (const [kind, names] of [
        ['secl010', secl],
        ['sese023', sese],
      ] as const) {
        const name = `${kind}-${member.id}.xml`;
        const chunks: Buffer[] = [];
        const out = new ByteOut((b) => chunks.push(Buffer.from(b)));
        if (kind === 'secl010') xml.secl010(member, obligations, out);
        else xml.sese023Batch(member, obligations, out);
        out.flush();
        fs.writeFileSync(path.join(dir, name), Buffer.concat(chunks));
        names.push(name);
      }
    }
    const bad = [
      ...(secl.length ? await runXmllint(schemas.envelope('secl010'), secl, dir) : []),
      ...(sese.length ? await runXmllint(schemas.envelope('sese023'), sese, dir) : []),
    ].filter((v) => v.error !== undefined);
    if (bad.length > 0)
      throw new GatewayError(
        SettlementErrorCode.XML_INVALID,
        `sample of cycle ${c.input.cycleId} not valid against the ISO 20022 schemas; first: ${bad[0]!.file}: ${bad[0]!.error}`,
        { cycleId: c.input.cycleId, files: bad.map((x) => ({ file: x.file, error: x.error })) },
      );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    schemas.dispose();
  }
}

/**
 * Close a settlement cycle into `<outDir>/<cycleId>/` (see the file comment). Throws
 * SETTLEMENT_INPUT / _UNBALANCED_QTY / _UNBALANCED_MONEY before writing anything,
 * SETTLEMENT_CYCLE_CLOSED when the cycle folder exists, SETTLEMENT_XML_INVALID (naming the file and
 * xmllint's message) when validation is on and a file is invalid, SETTLEMENT_WRITE on I/O errors.
 * Nothing is published unless everything succeeded.
 */
export async function closeCycle(input: CycleInput, outDir: string, options: CloseOptions = {}): Promise<CloseResult> {
  const t0 = performance.now();
  const c = computeCycle(input);
  const tComputed = performance.now();
  const finalDir = path.join(outDir, input.cycleId);
  if (fs.existsSync(finalDir)) throw closedError(finalDir, input.cycleId);

  let validate = false;
  if (options.validate === true || options.validate === 'sample') {
    if (!xmllintAvailable())
      throw new GatewayError(SettlementErrorCode.XMLLINT_MISSING, 'validation requested but xmllint is not installed (Debian: libxml2-utils)');
    validate = options.validate === true;
  } else if (options.validate === 'ifAvailable') validate = xmllintAvailable();
  if (options.validate === 'sample') await validateSample(c, options.xsdDir ?? defaultXsdDir());
  const tSampled = performance.now();
  const schemas = validate ? new SchemaSet(options.xsdDir ?? defaultXsdDir()) : undefined;

  fs.mkdirSync(outDir, { recursive: true });
  removeStaleTemps(outDir, input.cycleId);
  const tmp = fs.mkdtempSync(path.join(outDir, `.${input.cycleId}.tmp-${process.pid}-`));
  const queue = validate ? new ValidationQueue(tmp, options.validateParallelism) : undefined;
  const files: WrittenFile[] = [];
  const syncs = new Set<Promise<void>>();
  let syncError: unknown;

  const finish = async (sink: FileSink): Promise<WrittenFile> => {
    const { file, synced } = sink.end();
    files.push(file);
    const p: Promise<void> = synced.catch((e: unknown) => void (syncError ??= e)).finally(() => syncs.delete(p));
    syncs.add(p);
    while (syncs.size >= MAX_FSYNCS) await Promise.race(syncs);
    return file;
  };
  const open = (rel: string): FileSink => new FileSink(rel, path.join(tmp, rel));

  try {
    fs.mkdirSync(path.join(tmp, CYCLE_FILES.secl010Dir));
    fs.mkdirSync(path.join(tmp, CYCLE_FILES.sese023Dir));

    // CNS obligation report and money summary (CSV + JSON each).
    for (const [csvName, jsonName, format, columns, rows, asciiCells] of [
      [CYCLE_FILES.cnsCsv, CYCLE_FILES.cnsJson, CNS_FORMAT, CNS_COLUMNS, cnsRows(c), true],
      [CYCLE_FILES.moneyCsv, CYCLE_FILES.moneyJson, MONEY_FORMAT, MONEY_COLUMNS, moneyRows(c), false],
    ] as const) {
      const csv = open(csvName);
      const json = open(jsonName);
      writeTable(c, format, columns, rows, csv.out, json.out, asciiCells);
      await finish(csv);
      await finish(json);
    }

    // Per member: secl.010 report and sese.023 instruction batch.
    const xml = new CycleXml(c);
    const members: { member: string; instructions: number; secl010: string; sese023: string }[] = [];
    for (const m of c.members) {
      const list = c.instructionsByMember.get(m.id);
      if (list === undefined) continue;
      const secl = open(`${CYCLE_FILES.secl010Dir}/${m.id}.xml`);
      xml.secl010(m, list, secl.out);
      const sf = await finish(secl);
      if (queue) await queue.add(schemas!.envelope('secl010'), sf.path, sf.bytes);
      const sese = open(`${CYCLE_FILES.sese023Dir}/${m.id}.xml`);
      xml.sese023Batch(m, list, sese.out);
      const ef = await finish(sese);
      if (queue) await queue.add(schemas!.envelope('sese023'), ef.path, ef.bytes);
      members.push({ member: m.id, instructions: list.length, secl010: sf.path, sese023: ef.path });
    }

    // Manifest: every other file, sorted by path, with size and digest.
    files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const totalBytes = files.reduce((n, f) => n + f.bytes, 0);
    const i = c.input;
    const manifest = {
      format: MANIFEST_FORMAT,
      version: FORMAT_VERSION,
      notice: DISCLAIMER,
      cycleId: i.cycleId,
      settlDate: isoDate(i.settlDate),
      businessDate: isoDate(i.businessDate),
      createdAt: i.createdAt,
      currency: i.currency,
      ccp: { bic: i.ccp.bic, lei: i.ccp.lei, name: i.ccp.name },
      depository: { bic: i.depository.bic ?? null, name: i.depository.name },
      obligations: c.obligations.length,
      instructions: c.instructionCount,
      members,
      files,
      totalBytes,
    };
    const man = open(CYCLE_FILES.manifest);
    man.out.utf8(JSON.stringify(manifest, null, 1) + '\n');
    const manFile = man.end();
    syncs.add(manFile.synced.catch((e: unknown) => void (syncError ??= e)));

    await Promise.all([...syncs]);
    if (syncError !== undefined) throw syncError;
    const tWritten = performance.now();

    if (queue) {
      const failures = await queue.finish();
      if (failures.length > 0) {
        const f = failures[0]!;
        throw new GatewayError(
          SettlementErrorCode.XML_INVALID,
          `${failures.length} file(s) not valid against the ISO 20022 schemas; first: ${f.file}: ${f.error}`,
          { cycleId: i.cycleId, files: failures.slice(0, 20).map((x) => ({ file: x.file, error: x.error })) },
        );
      }
    }
    const tValidated = performance.now();

    fsyncDir(path.join(tmp, CYCLE_FILES.secl010Dir));
    fsyncDir(path.join(tmp, CYCLE_FILES.sese023Dir));
    fsyncDir(tmp);
    try {
      fs.renameSync(tmp, finalDir);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST') throw closedError(finalDir, i.cycleId);
      throw e;
    }
    fsyncDir(outDir);
    const tEnd = performance.now();
    const all = [...files, manFile.file];
    return {
      cycleId: i.cycleId,
      dir: finalDir,
      files: all,
      totalBytes: totalBytes + manFile.file.bytes,
      obligations: c.obligations.length,
      instructions: c.instructionCount,
      validation: validate ? 'all' : options.validate === 'sample' ? 'sample' : 'none',
      timings: {
        computeMs: tComputed - t0,
        sampleValidateMs: tSampled - tComputed,
        writeMs: tWritten - tSampled,
        validateWaitMs: tValidated - tWritten,
        totalMs: tEnd - t0,
      },
    };
  } catch (e) {
    await Promise.allSettled([...syncs]);
    if (queue) await queue.finish().catch(() => undefined);
    fs.rmSync(tmp, { recursive: true, force: true });
    if (isGatewayError(e)) throw e;
    throw new GatewayError(SettlementErrorCode.WRITE, `writing cycle ${input.cycleId} failed: ${(e as Error).message}`, { cycleId: input.cycleId }, { cause: e });
  } finally {
    schemas?.dispose();
  }
}
