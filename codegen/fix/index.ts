/**
 * FIX dictionary generation in one call, for codegen/cli.ts: parse (one file or a FIXT pair), build
 * the tables, render the TypeScript module and/or C header in memory. Writing is the caller's job.
 */
import * as path from 'node:path';
import type { SchemaError } from '../parse.js';
import { parseFixDictionaryFiles } from './dictionary.js';
import type { FixDictionary } from './ir.js';
import { buildTables } from './tables.js';
import { fixTsFileName, generateFixTs } from './ts.js';
import { fixCFileName, generateFixC } from './c.js';

export interface FixGenerateJob {
  dictionaries: string[];
  /** Output file paths, or folders when `outDirs` (names from the dictionary: fix44.ts, fix44.h). */
  ts?: string;
  c?: string;
  outDirs?: boolean;
}

export interface FixGenerated {
  dictionary: FixDictionary;
  /** Output path → content. */
  files: Map<string, string>;
  /** The @generated banner's source label. */
  source: string;
}

/** `label` turns a dictionary path into its stable banner label. Errors: no output at all. */
export function generateFix(job: FixGenerateJob, label: (file: string) => string): { generated?: FixGenerated; errors: SchemaError[] } {
  const r = parseFixDictionaryFiles(job.dictionaries);
  if (!r.dictionary) return { errors: r.errors };
  const source = job.dictionaries.map(label).join(', ');
  const tables = buildTables(r.dictionary);
  const files = new Map<string, string>();
  if (job.ts) files.set(job.outDirs ? path.join(job.ts, fixTsFileName(tables)) : job.ts, generateFixTs(tables, { source }));
  if (job.c) files.set(job.outDirs ? path.join(job.c, fixCFileName(tables)) : job.c, generateFixC(tables, { source }));
  return { generated: { dictionary: r.dictionary, files, source }, errors: [] };
}
