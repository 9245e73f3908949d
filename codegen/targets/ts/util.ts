/**
 * Helpers shared by the TypeScript target: literals, primitive access expressions, doc comments,
 * per-class member registries and per-file import collection.
 */
import { type EncodedType, type Primitive, type Schema, PRIMITIVES } from '../../ir.js';
import { tsProperty } from '../../names.js';
import { Printer, docLines } from '../../printer.js';

/** A fault the TypeScript target cannot encode faithfully: refuse rather than emit wrong code. */
export class TsTargetError extends Error {}

export type Charset = 'US-ASCII' | 'ISO-8859-1' | 'UTF-8';

/** Map a schema characterEncoding to a supported charset; char without one is US-ASCII (as in sbe-tool). */
export function charsetOf(encoding: string | undefined, where: string): Charset {
  if (encoding === undefined) return 'US-ASCII';
  const e = encoding.trim().toUpperCase().replace(/_/g, '-');
  if (e === 'ASCII' || e === 'US-ASCII') return 'US-ASCII';
  if (e === 'ISO-8859-1' || e === 'ISO8859-1' || e === 'LATIN1' || e === 'LATIN-1') return 'ISO-8859-1';
  if (e === 'UTF-8' || e === 'UTF8') return 'UTF-8';
  throw new TsTargetError(`${where}: characterEncoding "${encoding}" is not supported by the TypeScript target (US-ASCII, ISO-8859-1, UTF-8)`);
}

export function is64(p: Primitive): boolean {
  return p === 'int64' || p === 'uint64';
}

/** TS type of a value of primitive `p` as the plain accessors return it. */
export function tsValueType(p: Primitive): string {
  return is64(p) ? 'bigint' : 'number';
}

/** A TS literal for a decimal (or "NaN"/float) IR literal of primitive `p`. */
export function literal(p: Primitive, text: string): string {
  if (PRIMITIVES[p].float) return text === 'NaN' ? 'NaN' : floatLiteral(text);
  if (is64(p)) return `${BigInt(text).toString()}n`;
  return BigInt(text).toString();
}

function floatLiteral(text: string): string {
  const n = Number(text);
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  return String(n);
}

/** The value as a JS number literal for the non-allocating …AsNumber accessors: exact or NaN. */
export function numberLiteral(p: Primitive, text: string): string {
  if (!is64(p)) return literal(p, text);
  const v = BigInt(text);
  return v >= -(2n ** 53n - 1n) && v <= 2n ** 53n - 1n ? v.toString() : 'NaN';
}

/** The two uint32 halves of a 64-bit literal (two's complement), for the null tests of 64-bit values. */
export function halves64(text: string): { hi: string; lo: string } {
  const u = BigInt.asUintN(64, BigInt(text));
  return { hi: `0x${(u >> 32n).toString(16)}`, lo: `0x${(u & 0xffffffffn).toString(16)}` };
}

/** The byte-order argument of a DataView call: `, true` for little-endian, nothing for big-endian. */
function order(le: boolean): string {
  return le ? ', true' : '';
}

/**
 * Expression reading primitive `p` at byte offset expression `at`: single bytes index the buffer,
 * the rest is one DataView call with the byte order as a literal. Accessors stay leaf functions
 * (they call nothing V8 could inline into them), so their size as an inlining candidate never
 * depends on what V8 compiled before.
 */
export function readExpr(p: Primitive, at: string, le: boolean): string {
  switch (p) {
    case 'char':
    case 'uint8':
      return `this.#buffer[${at}]!`;
    case 'int8':
      return `this.#view.getInt8(${at})`;
    case 'int16':
      return `this.#view.getInt16(${at}${order(le)})`;
    case 'uint16':
      return `this.#view.getUint16(${at}${order(le)})`;
    case 'int32':
      return `this.#view.getInt32(${at}${order(le)})`;
    case 'uint32':
      return `this.#view.getUint32(${at}${order(le)})`;
    case 'int64':
      return `this.#view.getBigInt64(${at}${order(le)})`;
    case 'uint64':
      return `this.#view.getBigUint64(${at}${order(le)})`;
    case 'float':
      return `this.#view.getFloat32(${at}${order(le)})`;
    case 'double':
      return `this.#view.getFloat64(${at}${order(le)})`;
  }
}

/**
 * Expression reading an integer primitive as a number; 64-bit through the runtime's exact-or-NaN
 * reader for the schema's byte order (`int64LE`, `uint64BE`, …).
 */
export function readNumberExpr(p: Primitive, at: string, le: boolean, rt: Set<string>): string {
  if (is64(p)) {
    const fn = `${p}${le ? 'LE' : 'BE'}`;
    rt.add(fn);
    return `${fn}(this.#view, ${at})`;
  }
  return readExpr(p, at, le);
}

/** Statement writing `value` (number, or bigint for 64-bit) as primitive `p` at offset `at`. */
export function writeStmt(p: Primitive, at: string, value: string, le: boolean, rt: Set<string>): string {
  switch (p) {
    case 'char':
    case 'uint8':
      return `this.#buffer[${at}] = ${value};`;
    case 'int8':
      return `this.#view.setInt8(${at}, ${value});`;
    case 'int16':
      return `this.#view.setInt16(${at}, ${value}${order(le)});`;
    case 'uint16':
      return `this.#view.setUint16(${at}, ${value}${order(le)});`;
    case 'int32':
      return `this.#view.setInt32(${at}, ${value}${order(le)});`;
    case 'uint32':
      return `this.#view.setUint32(${at}, ${value}${order(le)});`;
    case 'int64':
      rt.add('setInt64');
      return `setInt64(this.#view, ${at}, ${value}, ${le});`;
    case 'uint64':
      rt.add('setUint64');
      return `setUint64(this.#view, ${at}, ${value}, ${le});`;
    case 'float':
      return `this.#view.setFloat32(${at}, ${value}${order(le)});`;
    case 'double':
      return `this.#view.setFloat64(${at}, ${value}${order(le)});`;
  }
}

/** Statement writing a number `value` (64-bit via the runtime's exact-number writer for the byte order). */
export function writeNumberStmt(p: Primitive, at: string, value: string, le: boolean, rt: Set<string>): string {
  if (is64(p)) {
    const fn = `write${p === 'int64' ? 'Int64' : 'Uint64'}${le ? 'LE' : 'BE'}`;
    rt.add(fn);
    return `${fn}(this.#view, ${at}, ${value});`;
  }
  return writeStmt(p, at, value, le, rt);
}

/**
 * Name of a generated member derived from a schema name: `derived('new', 'IsNull')` → `newIsNull`.
 * Only the bare accessor needs names.ts's reserved-word underscore (`new_`); derived names never do.
 */
export function derived(name: string, suffix: string): string {
  return tsProperty(name + suffix);
}

/** A single-quoted TS string literal. */
export function tsString(text: string): string {
  return `'${JSON.stringify(text).slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'")}'`;
}

/** `base + n`, or `base` when n is 0. */
export function plus(base: string, n: number | string): string {
  return n === 0 || n === '0' ? base : `${base} + ${n}`;
}

/** Describe an encoded type briefly: `uint32[4]`, `char[6] US-ASCII`. */
export function typeLabel(t: EncodedType): string {
  return t.length === 1 ? t.primitive : `${t.primitive}[${t.length}]`;
}

/**
 * Registry of member names of one generated class. Schema names become TS members with suffixes
 * (`xxxAsNumber`, `xxxCount`, …); a clash with another generated member or with the fixed API of
 * the class is a schema the target refuses, with the reason.
 */
export class Members {
  private readonly used = new Map<string, string>();

  constructor(
    private readonly owner: string,
    reserved: readonly string[],
  ) {
    for (const r of reserved) this.used.set(r, 'the flyweight API');
  }

  add(name: string, why: string): string {
    const prior = this.used.get(name);
    if (prior !== undefined) {
      throw new TsTargetError(`${this.owner}: generated member "${name}" (${why}) collides with ${prior}; rename it in the schema`);
    }
    this.used.set(name, why);
    return name;
  }
}

/** One generated file: its printer and the imports it needs, printed in a stable order. */
export class FileBuilder {
  readonly body = new Printer();
  readonly runtime = new Set<string>();
  readonly runtimeTypes = new Set<string>();
  private readonly local = new Map<string, Set<string>>();

  constructor(
    readonly schema: Schema,
    readonly banner: string,
    readonly runtimeImport: string,
  ) {}

  get le(): boolean {
    return this.schema.byteOrder === 'littleEndian';
  }

  /** Import `name` from the generated module `module` (base name, e.g. `Engine`). */
  use(module: string, name: string): void {
    let s = this.local.get(module);
    if (!s) this.local.set(module, (s = new Set()));
    s.add(name);
  }

  render(headerDoc: readonly string[]): string {
    const out = new Printer();
    out.line(this.banner);
    if (headerDoc.length > 0) {
      out.line('/**');
      for (const l of headerDoc) out.line(l === '' ? ' *' : ` * ${l}`);
      out.line(' */');
    }
    // Import exactly the runtime names the body uses (emitters may register more than they keep).
    const body = this.body.toString();
    const used = (n: string): boolean => new RegExp(`\\b${n}\\b`).test(body);
    const rt = [...this.runtime].filter(used).sort();
    const rtTypes = [...this.runtimeTypes].filter((t) => !this.runtime.has(t) && used(t)).sort();
    if (rtTypes.length > 0) out.line(`import type { ${rtTypes.join(', ')} } from '${this.runtimeImport}';`);
    if (rt.length > 0) out.line(`import { ${rt.join(', ')} } from '${this.runtimeImport}';`);
    for (const m of [...this.local.keys()].sort()) {
      out.line(`import { ${[...this.local.get(m)!].sort().join(', ')} } from './${m}.js';`);
    }
    out.line();
    return out.toString() + this.body.toString().replace(/^\n+/, '');
  }
}

const DOC_WIDTH = 100;

/** Word-wrap doc lines at DOC_WIDTH characters (a single long word stays whole). */
function wrapLines(lines: readonly string[]): string[] {
  const out: string[] = [];
  for (const line of lines) {
    let cur = '';
    for (const word of line.split(/\s+/).filter((w) => w !== '')) {
      if (cur !== '' && cur.length + 1 + word.length > DOC_WIDTH) {
        out.push(cur);
        cur = word;
      } else cur = cur === '' ? word : `${cur} ${word}`;
    }
    if (cur !== '') out.push(cur);
  }
  return out;
}

/** Print a doc comment from paragraphs (each may span lines; empty paragraphs are dropped). */
export function doc(p: Printer, paragraphs: ReadonlyArray<string | undefined>, tags: readonly string[] = []): void {
  const blocks = paragraphs.map((x) => wrapLines(docLines(x))).filter((b) => b.length > 0);
  const tagLines = tags.flatMap((t) => docLines(t));
  if (blocks.length === 0 && tagLines.length === 0) return;
  const lines: string[] = [];
  blocks.forEach((b, i) => {
    if (i > 0) lines.push('');
    lines.push(...b);
  });
  if (tagLines.length > 0) {
    if (lines.length > 0) lines.push('');
    lines.push(...tagLines);
  }
  if (lines.length === 1) {
    p.line(`/** ${lines[0]} */`);
    return;
  }
  p.line('/**');
  for (const l of lines) p.line(l === '' ? ' *' : ` * ${l}`);
  p.line(' */');
}

export const FLYWEIGHT_NOTE =
  'Flyweight over a caller-owned buffer: reuse one instance per thread. The owning thread is the caller\'s; flyweights are not thread-safe.';
