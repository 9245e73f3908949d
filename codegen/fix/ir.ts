/**
 * The resolved FIX data-dictionary IR: what `dictionary.ts` builds from QuickFIX-format XML and what
 * the FIX targets (`ts.ts`, `c.ts`, through `tables.ts`) consume. Everything is resolved: field
 * references carry tags, components are expanded in place (in order), groups know their count tag,
 * delimiter and members, and `required` is the effective flag (a field of a component referenced with
 * required="N" is optional wherever that component is used).
 */
import type { SourceRef } from '../ir.js';

/**
 * Every field type a QuickFIX dictionary may declare. The 1-based position is the field type code in
 * the generated tables (0 = no such field); appending keeps existing codes stable.
 */
export const FIX_FIELD_TYPES = [
  'STRING',
  'CHAR',
  'PRICE',
  'INT',
  'AMT',
  'QTY',
  'CURRENCY',
  'MULTIPLEVALUESTRING',
  'MULTIPLESTRINGVALUE',
  'MULTIPLECHARVALUE',
  'EXCHANGE',
  'UTCTIMESTAMP',
  'BOOLEAN',
  'LOCALMKTDATE',
  'DATA',
  'FLOAT',
  'PRICEOFFSET',
  'MONTHYEAR',
  'DAYOFMONTH',
  'UTCDATEONLY',
  'UTCDATE',
  'UTCTIMEONLY',
  'TIME',
  'DATE',
  'NUMINGROUP',
  'PERCENTAGE',
  'SEQNUM',
  'TAGNUM',
  'LENGTH',
  'COUNTRY',
  'TZTIMEONLY',
  'TZTIMESTAMP',
  'XMLDATA',
  'LANGUAGE',
  'LOCALMKTTIME',
  'XID',
  'XIDREF',
] as const;

export type FixFieldType = (typeof FIX_FIELD_TYPES)[number];

/** Type code of a field type in the generated tables (1-based; 0 means "no such field"). */
export function fixTypeCode(t: FixFieldType): number {
  return FIX_FIELD_TYPES.indexOf(t) + 1;
}

export function isFixFieldType(s: string): s is FixFieldType {
  return (FIX_FIELD_TYPES as readonly string[]).includes(s);
}

/** Types whose value is raw bytes counted by a preceding LENGTH field (may contain SOH). */
export function isDataType(t: FixFieldType): boolean {
  return t === 'DATA' || t === 'XMLDATA';
}

/** Types whose value is a space-separated list of tokens (each token is checked against the enum). */
export function isMultiValueType(t: FixFieldType): boolean {
  return t === 'MULTIPLEVALUESTRING' || t === 'MULTIPLESTRINGVALUE' || t === 'MULTIPLECHARVALUE';
}

export interface FixEnumValue {
  /** The value as it appears on the wire (printable ASCII, no spaces). */
  value: string;
  description: string;
}

export interface FixField {
  tag: number;
  name: string;
  type: FixFieldType;
  /** Enumerated values in dictionary order; empty when the field is not enumerated. */
  values: FixEnumValue[];
  /** DATA/XMLDATA only: the LENGTH field that carries its byte count (it immediately precedes it). */
  lengthTag?: number;
  source: SourceRef;
}

export interface FixFieldMember {
  kind: 'field';
  tag: number;
  name: string;
  required: boolean;
}

export interface FixGroupMember {
  kind: 'group';
  /** The NUMINGROUP field that carries the number of entries (the group's name). */
  countTag: number;
  name: string;
  /** Whether the count field is required where this group is used (not a property of the entries). */
  required: boolean;
  /** The first field of every entry: it starts each entry (a nested group's count tag if that comes first). */
  delimiter: number;
  /** Members of one entry, in order; `required` is per entry. */
  members: FixMember[];
}

export type FixMember = FixFieldMember | FixGroupMember;

export interface FixMessage {
  msgType: string;
  name: string;
  category: 'admin' | 'app';
  /** Body members in order, components expanded. */
  members: FixMember[];
  source: SourceRef;
}

export interface FixVersion {
  type: 'FIX' | 'FIXT';
  major: number;
  minor: number;
  servicePack: number;
}

export interface FixDictionary {
  /** BeginString (8) on the wire: `FIX.4.4`, `FIXT.1.1`. */
  beginString: string;
  /** For a FIXT pair: the ApplVerID (1128) value of the application version, e.g. `9` for FIX 5.0 SP2. */
  applVerID?: string;
  /** The dictionaries' versions: one, or the FIXT transport and then the application version. */
  versions: FixVersion[];
  /** Every field defined (by either file of a pair), sorted by tag. */
  fields: FixField[];
  /** Header members in order (transport dictionary for a pair). */
  header: FixMember[];
  /** Trailer members in order. */
  trailer: FixMember[];
  /** Messages in dictionary order (for a pair: the transport's admin messages, then the application's). */
  messages: FixMessage[];
  /** Files read, in order. */
  sources: string[];
}
