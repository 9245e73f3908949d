#!/usr/bin/env node
/**
 * Code generator CLI.
 *   node dist/codegen/cli.js --schema FILE [--ts-out DIR] [--c-out DIR] [--ir FILE] [--check]
 *   node dist/codegen/cli.js --all [--check]        (every entry of codegen/schemas.json)
 * --check writes nothing: it regenerates in memory and exits 1 if any output folder differs (CI).
 * Exit codes: 0 ok, 1 schema errors or --check differences, 2 usage.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { formatError, parseSchemaFile } from './parse.js';
import { generateTs } from './targets/ts/index.js';
import { generateC } from './targets/c/index.js';
import type { Schema } from './ir.js';

/** Project root: dist/codegen/cli.js → ../.. */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const RUNTIME = path.join(ROOT, 'src', 'codec', 'sbe.js');

export function refdataDir(): string {
  return process.env.GATEWAY_REFDATA ?? path.resolve(ROOT, '..', 'shared', 'data');
}

interface Job {
  schema: string;
  ts?: string;
  c?: string;
  /** Write the resolved IR as JSON here (for inspection and for other tools). */
  ir?: string;
}

/** Stable label for the @generated banner: project-relative, or shared/data-relative for reference schemas. */
function sourceLabel(file: string): string {
  const ref = path.relative(refdataDir(), file);
  if (!ref.startsWith('..') && !path.isAbsolute(ref)) return `shared/data/${ref.split(path.sep).join('/')}`;
  const rel = path.relative(ROOT, file);
  return !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : path.basename(file);
}

function importPath(fromDir: string, target: string): string {
  let rel = path.relative(fromDir, target).split(path.sep).join('/');
  if (!rel.startsWith('.')) rel = `./${rel}`;
  return rel;
}

function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(path.relative(dir, p).split(path.sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

/** Make `dir` hold exactly `files`; in check mode only report what differs. Returns the differences. */
function sync(dir: string, files: Map<string, string>, check: boolean): string[] {
  const diffs: string[] = [];
  for (const [rel, content] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    const p = path.join(dir, rel);
    const old = fs.existsSync(p) ? fs.readFileSync(p, 'utf8') : undefined;
    if (old === content) continue;
    diffs.push(`${old === undefined ? 'missing' : 'differs'}: ${path.relative(ROOT, p)}`);
    if (!check) {
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, content);
    }
  }
  for (const rel of listFiles(dir)) {
    if (files.has(rel)) continue;
    const p = path.join(dir, rel);
    diffs.push(`stale: ${path.relative(ROOT, p)}`);
    if (!check) fs.rmSync(p);
  }
  return diffs;
}

export function runJob(job: Job, check: boolean): { ok: boolean; diffs: string[] } {
  const result = parseSchemaFile(job.schema);
  if (!result.schema) {
    for (const e of result.errors) console.error(formatError(e));
    console.error(`${job.schema}: ${result.errors.length} error(s); nothing generated`);
    return { ok: false, diffs: [] };
  }
  const schema: Schema = result.schema;
  const source = sourceLabel(job.schema);
  const diffs: string[] = [];
  if (job.ts) {
    const files = generateTs(schema, { source, runtimeImport: importPath(job.ts, RUNTIME) });
    diffs.push(...sync(job.ts, files, check));
  }
  if (job.c) diffs.push(...sync(job.c, generateC(schema, { source }), check));
  if (job.ir && !check) fs.writeFileSync(job.ir, irJson(schema));
  return { ok: true, diffs };
}

/** The IR as JSON; source locations are kept, absolute paths made relative to the project. */
export function irJson(schema: Schema): string {
  return `${JSON.stringify(schema, (k, v: unknown) => (k === 'file' && typeof v === 'string' ? sourceLabel(v) : v), 2)}\n`;
}

function manifestJobs(): Job[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'codegen', 'schemas.json'), 'utf8')) as {
    schemas: Job[];
  };
  const abs = (p: string): string => path.resolve(ROOT, p.replace('$REFDATA', refdataDir()));
  return manifest.schemas.map((j) => ({
    schema: abs(j.schema),
    ts: j.ts ? abs(j.ts) : undefined,
    c: j.c ? abs(j.c) : undefined,
  }));
}

function main(): number {
  const argv = yargs(hideBin(process.argv))
    .scriptName('codegen')
    .usage('$0 --schema FILE [--ts-out DIR] [--c-out DIR] | --all   [--check]')
    .option('schema', { type: 'string', describe: 'SBE XML message schema' })
    .option('ts-out', { type: 'string', describe: 'directory for the TypeScript codecs' })
    .option('c-out', { type: 'string', describe: 'directory for the C codecs' })
    .option('ir', { type: 'string', describe: 'also write the validated IR as JSON to this file' })
    .option('all', { type: 'boolean', describe: 'generate every schema listed in codegen/schemas.json' })
    .option('check', { type: 'boolean', describe: 'write nothing; exit 1 if any output is out of date' })
    .check((a) => {
      if (!a.all && !a.schema) throw new Error('give --schema FILE or --all');
      if (a.schema && !a['ts-out'] && !a['c-out'] && !a.ir) throw new Error('give --ts-out, --c-out and/or --ir');
      return true;
    })
    .strict()
    .help()
    .exitProcess(false)
    .fail((msg, err) => {
      console.error(msg ?? err?.message);
      process.exit(2);
    })
    .parseSync();
  const check = argv.check === true;
  const jobs: Job[] = argv.all
    ? manifestJobs()
    : [
        {
          schema: path.resolve(argv.schema!),
          ts: argv['ts-out'] ? path.resolve(argv['ts-out']) : undefined,
          c: argv['c-out'] ? path.resolve(argv['c-out']) : undefined,
          ir: argv.ir ? path.resolve(argv.ir) : undefined,
        },
      ];
  let failed = false;
  const diffs: string[] = [];
  for (const job of jobs) {
    const r = runJob(job, check);
    failed ||= !r.ok;
    diffs.push(...r.diffs);
  }
  if (check) {
    for (const d of diffs) console.error(d);
    if (diffs.length > 0) {
      console.error(`generated code is out of date (${diffs.length} file(s)); run \`npm run generate\``);
      return 1;
    }
    if (!failed) console.log(`generated code is up to date (${jobs.length} schema(s))`);
  } else if (!failed) {
    console.log(`generated ${jobs.length} schema(s), ${diffs.length} file(s) changed`);
  }
  return failed ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  process.exitCode = main();
}
