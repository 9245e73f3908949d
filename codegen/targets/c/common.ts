/**
 * Shared pieces of the C target: identifier rules, C types and literals for SBE primitives, the error
 * table, and the generation context that detects identifier collisions.
 */
import { cName, cPackage } from '../../names.js';
import { PRIMITIVES, type CompositeType, type EnumType, type Primitive, type Schema, type SetType } from '../../ir.js';

/**
 * Error codes set in a flyweight's `error` member when a call fails. The same numbers are used by
 * every generated schema and by native/src/core/codec_support.c (a native test checks they agree).
 */
export const C_ERRORS: ReadonlyArray<readonly [name: string, code: number, text: string]> = [
  ['OK', 0, 'no error'],
  ['E_SHORT_BUFFER', 1, 'access would pass the end of the buffer'],
  ['E_TEMPLATE_MISMATCH', 2, 'message header templateId does not match the message'],
  ['E_SCHEMA_MISMATCH', 3, 'message header schemaId does not match the schema'],
  ['E_NOT_PRESENT', 4, 'element is not present in the acting version or block'],
  ['E_INDEX_OUT_OF_RANGE', 5, 'array index out of range'],
  ['E_VALUE_TOO_LONG', 6, 'value is longer than the fixed-length field'],
  ['E_DST_TOO_SMALL', 7, 'destination buffer is too small'],
  ['E_VAR_DATA_TOO_LONG', 8, 'var data length exceeds the maximum of its length type'],
  ['E_COUNT_OUT_OF_RANGE', 9, 'group count outside the numInGroup range'],
  ['E_GROUP_EXHAUSTED', 10, 'next called after the last group entry'],
  ['E_UNKNOWN_ENUM_VALUE', 11, 'enum code is not a valid value'],
];

export type NamedType = CompositeType | EnumType | SetType;

/** Names of everything the target emits for one schema; every function goes through here. */
export class CNames {
  /** Lower-case prefix of every identifier: cPackage(schema.package). */
  readonly p: string;
  /** Upper-case prefix of macros. */
  readonly P: string;
  /** Prefix of the runtime support functions (`<p>_sbe`). */
  readonly R: string;

  constructor(readonly schema: Schema) {
    this.p = cPackage(schema.package);
    this.P = this.p.toUpperCase();
    this.R = `${this.p}_sbe`;
  }

  /** C type name of a named composite, enum or set, and of a message. */
  type(name: string): string {
    return `${this.p}_${cName(name)}`;
  }

  /** Struct name of a group: parent struct + group name. */
  group(parentStruct: string, groupName: string): string {
    return `${parentStruct}_${cName(groupName)}`;
  }

  /** Member function of a flyweight or type: `<owner>_<name>`. */
  member(owner: string, name: string): string {
    return `${owner}_${cName(name)}`;
  }

  /** Runtime support: error macro. */
  err(name: string): string {
    return `${this.P}_SBE_${name}`;
  }

  /** Header file of a named type or message. */
  file(name: string): string {
    return `${this.p}_${name}.h`;
  }

  runtimeFile(): string {
    return `${this.p}_sbe.h`;
  }

  umbrellaFile(): string {
    return `${this.p}.h`;
  }

  /** Enumerator of an enum value, and the NULL_VALUE enumerator. */
  enumValue(enumType: string, valueName: string): string {
    return `${enumType}_${cName(valueName)}`;
  }

  enumNull(enumType: string): string {
    return `${enumType}_NULL_VALUE`;
  }

  load(p: Primitive): string {
    return `${this.R}_load_${SUFFIX[p]}`;
  }

  store(p: Primitive): string {
    return `${this.R}_store_${SUFFIX[p]}`;
  }
}

const SUFFIX: Readonly<Record<Primitive, string>> = {
  char: 'char',
  int8: 'i8',
  int16: 'i16',
  int32: 'i32',
  int64: 'i64',
  uint8: 'u8',
  uint16: 'u16',
  uint32: 'u32',
  uint64: 'u64',
  float: 'f32',
  double: 'f64',
};

export const ALL_PRIMITIVES: readonly Primitive[] = Object.keys(SUFFIX) as Primitive[];

export function primitiveSuffix(p: Primitive): string {
  return SUFFIX[p];
}

/** The C type that holds one value of a primitive. */
export function cType(p: Primitive): string {
  switch (p) {
    case 'char':
      return 'char';
    case 'float':
      return 'float';
    case 'double':
      return 'double';
    default:
      return `${p}_t`;
  }
}

/** An SBE integer/float literal (IR decimal string) as a C expression of exactly type cType(p). */
export function lit(p: Primitive, value: string): string {
  const info = PRIMITIVES[p];
  if (info.float) {
    if (value === 'NaN') return p === 'float' ? 'NAN' : '((double)NAN)';
    let v = value.replace(/^\+/, '');
    if (!/[.eE]/.test(v)) v = `${v}.0`;
    return p === 'float' ? `${v}f` : v;
  }
  const n = BigInt(value);
  switch (p) {
    case 'int64':
      return n === -(1n << 63n) ? 'INT64_MIN' : `INT64_C(${n})`;
    case 'uint64':
      return `UINT64_C(${n})`;
    case 'int32':
      return n === -(1n << 31n) ? 'INT32_MIN' : `INT32_C(${n})`;
    case 'uint32':
      return `UINT32_C(${n})`;
    default:
      return n < 0n ? `(${cType(p)})(${n})` : `(${cType(p)})${n}`;
  }
}

/** A decimal as a uint64_t constant expression (for sizes, offsets, counts). */
export function u64(value: number | bigint | string): string {
  return `UINT64_C(${BigInt(value)})`;
}

/** Largest value of an unsigned primitive, as bigint. */
export function unsignedMax(p: Primitive): bigint {
  return (1n << BigInt(PRIMITIVES[p].size * 8)) - 1n;
}

/** C string literal of arbitrary bytes (octal escapes for anything that is not plain printable ASCII). */
export function cString(text: string | Uint8Array): string {
  const bytes = typeof text === 'string' ? new TextEncoder().encode(text) : text;
  let out = '"';
  for (const b of bytes) {
    if (b === 0x22) out += '\\"';
    else if (b === 0x5c) out += '\\\\';
    else if (b === 0x3f) out += '\\077'; // avoid trigraphs
    else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += `\\${b.toString(8).padStart(3, '0')}`;
  }
  return `${out}"`;
}

/** Doc comment lines (`/** ... *\/`) for a description, or nothing. */
export function docComment(text: string | undefined, extra: string[] = []): string[] {
  const lines = [
    ...(text ?? '')
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l.length > 0),
    ...extra,
  ].map((l) => l.replace(/\*\//g, '* /'));
  if (lines.length === 0) return [];
  if (lines.length === 1) return [`/** ${lines[0]} */`];
  return ['/**', ...lines.map((l) => ` * ${l}`), ' */'];
}

/** True when every value of the enum (and its null) fits a C `int`, so a C enum can represent it. */
export function enumFitsInt(t: EnumType): boolean {
  const lo = -(1n << 31n);
  const hi = (1n << 31n) - 1n;
  const codes = [...t.values.map((v) => BigInt(v.code)), BigInt(t.nullValue)];
  return codes.every((c) => c >= lo && c <= hi);
}

/** Include guard for a generated file name. */
export function guard(file: string): string {
  return `${file.replace(/[^A-Za-z0-9]/g, '_').toUpperCase()}_INCLUDED`;
}
