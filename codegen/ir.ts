/**
 * Language-neutral intermediate representation of one SBE 1.0 message schema.
 *
 * Contract: an IR produced by `parseSchema` (codegen/parse.ts) is fully resolved and validated:
 * every reference points at a definition, every offset and size is computed, every optional
 * value has its SBE default filled in. Targets (codegen/targets/*) never look at XML and never
 * recompute layout; if a target needs a fact, it belongs here.
 *
 * Numeric literals (null/min/max values, constants, enum values) are kept as decimal strings so
 * that 64-bit values stay exact and the IR stays JSON-serialisable. Floats use JS number syntax
 * ("NaN" for the float null).
 */

export type Primitive =
  | 'char'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'float'
  | 'double';

export type ByteOrder = 'littleEndian' | 'bigEndian';
export type Presence = 'required' | 'optional' | 'constant';

/** Where a definition came from, for error messages and generated comments. */
export interface SourceRef {
  file: string;
  line: number;
}

interface Versioned {
  /** Schema version in which the element first appeared (SBE `sinceVersion`, default 0). */
  sinceVersion: number;
  /** Schema version from which the element is deprecated, if any. */
  deprecated?: number;
}

interface Described {
  description?: string;
  semanticType?: string;
  source: SourceRef;
}

/**
 * A simple encoded type: one primitive, or a fixed array of it (`length` > 1).
 * `length` is 0 only for the `varData` member of a var-data composite.
 */
export interface EncodedType extends Versioned, Described {
  kind: 'encoded';
  name: string;
  primitive: Primitive;
  length: number;
  presence: Presence;
  /** Null sentinel on the wire (explicit or SBE default); decimal string, "NaN" for floats. */
  nullValue: string;
  minValue: string;
  maxValue: string;
  /**
   * For presence=constant: the constant. For numbers a decimal string; for char / char[] the
   * text itself. For a constant enum field (valueRef), see FieldDef.constEnum.
   */
  constValue?: string;
  /** Only for char (or uint8 var data): e.g. "US-ASCII", "UTF-8". Absent means raw bytes. */
  characterEncoding?: string;
  /** Bytes on the wire: primitiveSize * length, 0 for constants. */
  size: number;
}

export interface CompositeMember {
  name: string;
  /** Offset within the composite, explicit or computed. Constants have offset -1. */
  offset: number;
  type: TypeDef;
  sinceVersion: number;
  deprecated?: number;
}

export interface CompositeType extends Versioned, Described {
  kind: 'composite';
  name: string;
  members: CompositeMember[];
  /** Encoded length in bytes, including gaps left by explicit offsets. */
  size: number;
}

export interface EnumValue extends Versioned {
  name: string;
  /** Decimal string for integer encodings; the single character for char encodings. */
  value: string;
  /** The value as it sits on the wire, decimal (char code for char encodings). */
  code: string;
  description?: string;
}

export interface EnumType extends Versioned, Described {
  kind: 'enum';
  name: string;
  /** char, int8..uint64 (the SBE spec allows char and uint8; we accept any integer primitive). */
  encoding: Primitive;
  /** Null code on the wire (decimal), from the encoding type's nullValue or the SBE default. */
  nullValue: string;
  presence: Presence;
  values: EnumValue[];
  size: number;
}

export interface SetChoice extends Versioned {
  name: string;
  /** Bit index, 0 = least significant. */
  bit: number;
  description?: string;
}

export interface SetType extends Versioned, Described {
  kind: 'set';
  name: string;
  /** uint8, uint16, uint32 or uint64. */
  encoding: Primitive;
  choices: SetChoice[];
  size: number;
}

export type TypeDef = EncodedType | CompositeType | EnumType | SetType;

/** A field of a message or group block. */
export interface FieldDef extends Versioned, Described {
  name: string;
  id: number;
  /** Offset within the block; -1 for constant fields (they occupy no bytes). */
  offset: number;
  /** Presence as it applies to this field (the field's own attribute overrides the type's). */
  presence: Presence;
  type: TypeDef;
  /** For presence=constant with valueRef="Enum.Value": the resolved enum and value. */
  constEnum?: { type: EnumType; value: EnumValue };
  /** SBE timestamp attributes, when present (default epoch "unix", timeUnit "nanosecond"). */
  epoch?: string;
  timeUnit?: string;
}

/** A var-data element: a composite with a `length` member and a `varData` member. */
export interface DataDef extends Versioned, Described {
  name: string;
  id: number;
  type: CompositeType;
  /** Primitive of the length prefix (uint8/uint16/uint32). */
  lengthPrimitive: Primitive;
  /** Offset of the length prefix inside the composite (normally 0). */
  lengthOffset: number;
  /** Offset of the first data byte after the start of the composite (= header size). */
  dataOffset: number;
  /** Largest length a decoder accepts: maxValue of the length type (or its primitive max). */
  maxLength: string;
  /** Character encoding of varData, if it is text. */
  characterEncoding?: string;
}

/** Body of a message or of one group entry: fixed block, then groups, then var data. */
export interface Block {
  /** Declared or computed block length. Always >= the end of the last field. */
  blockLength: number;
  fields: FieldDef[];
  groups: GroupDef[];
  data: DataDef[];
}

export interface GroupDef extends Block, Versioned, Described {
  name: string;
  id: number;
  /** The dimension composite: has members `blockLength` and `numInGroup`. */
  dimension: CompositeType;
  blockLengthMember: CompositeMember;
  numInGroupMember: CompositeMember;
  /** Count limits from numInGroup's min/max (SBE default 0..65534 for uint16). */
  minCount: string;
  maxCount: string;
}

export interface MessageDef extends Block, Versioned, Described {
  name: string;
  id: number;
}

export interface Schema {
  package: string;
  id: number;
  version: number;
  semanticVersion?: string;
  description?: string;
  byteOrder: ByteOrder;
  /** The message header composite (default name messageHeader). */
  header: CompositeType;
  headerMembers: {
    blockLength: CompositeMember;
    templateId: CompositeMember;
    schemaId: CompositeMember;
    version: CompositeMember;
  };
  /** Named types in declaration order (after XInclude), including the header composite. */
  types: TypeDef[];
  messages: MessageDef[];
  source: SourceRef;
}

export interface PrimitiveInfo {
  size: number;
  signed: boolean;
  float: boolean;
  /** SBE default null, min and max (decimal strings; floats use JS syntax). */
  nullValue: string;
  minValue: string;
  maxValue: string;
}

/** SBE 1.0 primitive table (spec section "Encoding of simple types"). */
export const PRIMITIVES: Readonly<Record<Primitive, PrimitiveInfo>> = {
  char: { size: 1, signed: false, float: false, nullValue: '0', minValue: '32', maxValue: '126' },
  int8: { size: 1, signed: true, float: false, nullValue: '-128', minValue: '-127', maxValue: '127' },
  int16: { size: 2, signed: true, float: false, nullValue: '-32768', minValue: '-32767', maxValue: '32767' },
  int32: {
    size: 4,
    signed: true,
    float: false,
    nullValue: '-2147483648',
    minValue: '-2147483647',
    maxValue: '2147483647',
  },
  int64: {
    size: 8,
    signed: true,
    float: false,
    nullValue: '-9223372036854775808',
    minValue: '-9223372036854775807',
    maxValue: '9223372036854775807',
  },
  uint8: { size: 1, signed: false, float: false, nullValue: '255', minValue: '0', maxValue: '254' },
  uint16: { size: 2, signed: false, float: false, nullValue: '65535', minValue: '0', maxValue: '65534' },
  uint32: { size: 4, signed: false, float: false, nullValue: '4294967295', minValue: '0', maxValue: '4294967294' },
  uint64: {
    size: 8,
    signed: false,
    float: false,
    nullValue: '18446744073709551615',
    minValue: '0',
    maxValue: '18446744073709551614',
  },
  float: { size: 4, signed: true, float: true, nullValue: 'NaN', minValue: '-3.4028234663852886e+38', maxValue: '3.4028234663852886e+38' },
  double: {
    size: 8,
    signed: true,
    float: true,
    nullValue: 'NaN',
    minValue: '-1.7976931348623157e+308',
    maxValue: '1.7976931348623157e+308',
  },
};

export function isPrimitive(name: string): name is Primitive {
  return Object.prototype.hasOwnProperty.call(PRIMITIVES, name);
}

/** The full (inclusive) range of values a primitive can hold on the wire, for range checks. */
export function primitiveRange(p: Primitive): { lo: bigint; hi: bigint } | undefined {
  const info = PRIMITIVES[p];
  if (info.float) return undefined;
  const bits = BigInt(info.size * 8);
  if (p === 'char') return { lo: 0n, hi: 255n };
  return info.signed ? { lo: -(1n << (bits - 1n)), hi: (1n << (bits - 1n)) - 1n } : { lo: 0n, hi: (1n << bits) - 1n };
}
