/**
 * SBE 1.0 message schema: XML → validated IR (codegen/ir.ts).
 *
 * Contract: `parseSchemaFile` never throws for a bad schema. It returns every error it can find in
 * one pass (each naming file, line, element and attribute), and returns a `schema` only when there
 * are none. Anything a target could not encode faithfully is rejected here, so a target never has to
 * guess: a construct we cannot handle gets an error, never wrong code.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DOMParser } from '@xmldom/xmldom';
import type { Element as XElement, Node as XNode } from '@xmldom/xmldom';
import {
  type ByteOrder,
  type CompositeMember,
  type CompositeType,
  type DataDef,
  type EncodedType,
  type EnumType,
  type EnumValue,
  type FieldDef,
  type GroupDef,
  type MessageDef,
  type Presence,
  type Primitive,
  type Schema,
  type SetType,
  type SourceRef,
  type TypeDef,
  PRIMITIVES,
  isPrimitive,
  primitiveRange,
} from './ir.js';
import { isIdentifier } from './names.js';

export interface SchemaError {
  file: string;
  line: number;
  column: number;
  /** Element name as written, e.g. `field`, `sbe:message`. */
  element: string;
  /** The offending attribute, when one is to blame. */
  attribute?: string;
  message: string;
}

export interface ParseResult {
  schema?: Schema;
  errors: SchemaError[];
}

/** `file:line:col: <element attribute> message` — one line, stable, greppable. */
export function formatError(e: SchemaError): string {
  const where = e.attribute ? `<${e.element} ${e.attribute}>` : `<${e.element}>`;
  return `${e.file}:${e.line}:${e.column}: ${where} ${e.message}`;
}

const XINCLUDE_NS = 'http://www.w3.org/2001/XInclude';
/** Character encodings every target can encode and decode exactly. */
const SUPPORTED_CHARSETS = new Set(['US-ASCII', 'ASCII', 'ISO-8859-1', 'ISO8859-1', 'LATIN1', 'LATIN-1', 'UTF-8', 'UTF8']);
const ELEMENT_NODE = 1;

export function parseSchemaFile(file: string): ParseResult {
  return new SchemaParser(file).run();
}

/** Element plus the file it came from (XInclude brings in elements from other files). */
interface Located {
  el: XElement;
  file: string;
}

class SchemaParser {
  private readonly errors: SchemaError[] = [];
  private readonly fileOf = new WeakMap<XNode, string>();
  /** Named types by name, as elements, before resolution. */
  private readonly typeElements = new Map<string, Located>();
  private readonly resolved = new Map<string, TypeDef>();
  private readonly resolving = new Set<string>();
  private readonly failed = new Set<string>();
  private schemaVersion = 0;

  constructor(private readonly file: string) {}

  run(): ParseResult {
    const root = this.load(this.file, undefined);
    if (!root) return { errors: dedupe(this.errors) };
    if (root.localName !== 'messageSchema') {
      this.error(root, undefined, `root element must be messageSchema, found ${root.tagName}`);
      return { errors: dedupe(this.errors) };
    }
    this.expandIncludes(root, this.file, 0);

    const id = this.intAttr(root, 'id', { required: true, min: 0, max: 65535 }) ?? 0;
    this.schemaVersion = this.intAttr(root, 'version', { min: 0, max: 65535 }) ?? 0;
    const byteOrderText = this.attr(root, 'byteOrder') ?? 'littleEndian';
    let byteOrder: ByteOrder = 'littleEndian';
    if (byteOrderText === 'littleEndian' || byteOrderText === 'bigEndian') byteOrder = byteOrderText;
    else this.error(root, 'byteOrder', `must be littleEndian or bigEndian, found "${byteOrderText}"`);
    const pkg = this.attr(root, 'package') ?? '';
    if (pkg === '') this.error(root, 'package', 'is required (it names the generated code)');
    else if (!/[A-Za-z]/.test(pkg)) this.error(root, 'package', `"${pkg}" needs at least one letter to name the generated code`);

    // Collect named types from every <types> block first, so references may point forward.
    for (const typesEl of this.children(root, 'types')) {
      for (const el of this.elementChildren(typesEl)) {
        if (!['type', 'composite', 'enum', 'set'].includes(el.localName ?? '')) {
          this.error(el, undefined, `unexpected element in <types>`);
          continue;
        }
        const name = this.nameAttr(el);
        if (name === undefined) continue;
        const prior = this.typeElements.get(name);
        if (prior) {
          this.error(el, 'name', `duplicate type "${name}" (first defined at ${this.where(prior.el)})`);
          continue;
        }
        this.typeElements.set(name, { el, file: this.fileFor(el) });
      }
    }
    const types: TypeDef[] = [];
    for (const name of this.typeElements.keys()) {
      const t = this.resolveNamed(name);
      if (t) types.push(t);
    }

    const headerName = this.attr(root, 'headerType') ?? 'messageHeader';
    const headerResult = this.resolveHeader(root, headerName);

    const messages: MessageDef[] = [];
    const byId = new Map<number, XElement>();
    const byName = new Map<string, XElement>();
    for (const el of this.elementChildren(root)) {
      if (el.localName === 'types' || el.localName === 'include') continue;
      if (el.localName !== 'message') {
        this.error(el, undefined, 'unexpected element in messageSchema (expected types or message)');
        continue;
      }
      const m = this.message(el);
      if (!m) continue;
      const dupId = byId.get(m.id);
      if (dupId) this.error(el, 'id', `duplicate message id ${m.id} (also ${this.where(dupId)})`);
      const dupName = byName.get(m.name);
      if (dupName) this.error(el, 'name', `duplicate message name "${m.name}" (also ${this.where(dupName)})`);
      byId.set(m.id, el);
      byName.set(m.name, el);
      messages.push(m);
    }
    if (messages.length === 0 && this.errors.length === 0)
      this.error(root, undefined, 'schema defines no messages');

    if (this.errors.length > 0 || !headerResult) return { errors: dedupe(this.errors) };
    const schema: Schema = {
      package: pkg,
      id,
      version: this.schemaVersion,
      semanticVersion: this.attr(root, 'semanticVersion'),
      description: this.attr(root, 'description'),
      byteOrder,
      header: headerResult.header,
      headerMembers: headerResult.members,
      types,
      messages,
      source: this.src(root),
    };
    return { schema, errors: [] };
  }

  // ---------------------------------------------------------------- XML loading and XInclude

  private load(file: string, from: XElement | undefined): XElement | undefined {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      const msg = `cannot read ${file}: ${(e as Error).message}`;
      if (from) this.error(from, 'href', msg);
      else this.errors.push({ file, line: 0, column: 0, element: 'messageSchema', message: msg });
      return undefined;
    }
    const problems: SchemaError[] = [];
    const parser = new DOMParser({
      onError: (level, message) => {
        if (level === 'warning') return;
        problems.push({ file, line: 0, column: 0, element: '?xml', message: `XML ${level}: ${message.trim()}` });
      },
    });
    let doc;
    try {
      doc = parser.parseFromString(text, 'text/xml');
    } catch (e) {
      const loc = (e as { locator?: { lineNumber?: number; columnNumber?: number } }).locator;
      this.errors.push({
        file,
        line: loc?.lineNumber ?? 0,
        column: loc?.columnNumber ?? 0,
        element: '?xml',
        message: `not well-formed XML: ${(e as Error).message.split('\n')[0]}`,
      });
      return undefined;
    }
    this.errors.push(...problems);
    const root = doc.documentElement;
    if (!root) {
      this.errors.push({ file, line: 1, column: 1, element: '?xml', message: 'document has no root element' });
      return undefined;
    }
    this.markFile(root, file);
    return root;
  }

  private markFile(node: XNode, file: string): void {
    this.fileOf.set(node, file);
    for (let c = node.firstChild; c; c = c.nextSibling) this.markFile(c, file);
  }

  /** Replace every xi:include with the root element of the referenced file (relative href). */
  private expandIncludes(el: XElement, file: string, depth: number): void {
    for (const child of this.elementChildren(el)) {
      if (child.namespaceURI === XINCLUDE_NS && child.localName === 'include') {
        const href = this.attr(child, 'href');
        if (!href) {
          this.error(child, 'href', 'is required');
          continue;
        }
        if (depth > 8) {
          this.error(child, 'href', 'XInclude nesting deeper than 8 (a cycle?)');
          continue;
        }
        const target = path.resolve(path.dirname(file), href);
        const included = this.load(target, child);
        if (!included) continue;
        this.expandIncludes(included, target, depth + 1);
        el.replaceChild(included, child);
      } else {
        this.expandIncludes(child, this.fileFor(child), depth);
      }
    }
  }

  // ---------------------------------------------------------------- types

  private resolveNamed(name: string): TypeDef | undefined {
    const done = this.resolved.get(name);
    if (done) return done;
    const loc = this.typeElements.get(name);
    if (!loc || this.failed.has(name)) return undefined;
    if (this.resolving.has(name)) {
      this.error(loc.el, 'name', `type "${name}" refers to itself (cycle through ${[...this.resolving].join(' → ')})`);
      return undefined;
    }
    this.resolving.add(name);
    const t = this.typeElement(loc.el);
    this.resolving.delete(name);
    if (t) this.resolved.set(name, t);
    else this.failed.add(name);
    return t;
  }

  /** A type definition element: type, composite, enum, set (named or inline in a composite). */
  private typeElement(el: XElement): TypeDef | undefined {
    switch (el.localName) {
      case 'type':
        return this.encodedType(el, false);
      case 'composite':
        return this.composite(el);
      case 'enum':
        return this.enumType(el);
      case 'set':
        return this.setType(el);
      default:
        this.error(el, undefined, 'unexpected element (expected type, composite, enum, set or ref)');
        return undefined;
    }
  }

  private encodedType(el: XElement, inComposite: boolean): EncodedType | undefined {
    const name = this.nameAttr(el);
    const primText = this.attr(el, 'primitiveType');
    if (primText === undefined) {
      this.error(el, 'primitiveType', 'is required');
      return undefined;
    }
    if (!isPrimitive(primText)) {
      this.error(el, 'primitiveType', `unknown primitive "${primText}" (expected one of ${Object.keys(PRIMITIVES).join(', ')})`);
      return undefined;
    }
    const primitive: Primitive = primText;
    const info = PRIMITIVES[primitive];
    const presence = this.presenceAttr(el) ?? 'required';
    let length = this.intAttr(el, 'length', { min: 0, max: 65535 }) ?? 1;
    if (length === 0 && !(inComposite && name === 'varData'))
      this.error(el, 'length', 'length 0 is only allowed for the varData member of a var-data composite');
    const characterEncoding = this.attr(el, 'characterEncoding');
    if (characterEncoding !== undefined && primitive !== 'char' && primitive !== 'uint8')
      this.error(el, 'characterEncoding', `only applies to char or uint8, not ${primitive}`);
    else if (characterEncoding !== undefined && !SUPPORTED_CHARSETS.has(characterEncoding.toUpperCase()))
      this.error(
        el,
        'characterEncoding',
        `"${characterEncoding}" is not supported (supported: ${[...SUPPORTED_CHARSETS].join(', ')}); declare the bytes as uint8 to carry them raw`,
      );

    let constValue: string | undefined;
    const text = (el.textContent ?? '').trim();
    const valueRef = this.attr(el, 'valueRef');
    if (presence === 'constant') {
      if (valueRef !== undefined) {
        const ref = this.resolveValueRef(el, valueRef);
        if (ref) constValue = primitive === 'char' ? ref.value.value : ref.value.code;
      } else if (text === '') {
        this.error(el, 'presence', 'constant type needs a value (element text or valueRef)');
      } else {
        constValue = text;
      }
      if (constValue !== undefined) {
        if (primitive === 'char') {
          if (length === 1) length = constValue.length;
          else if (constValue.length > length)
            this.error(el, 'length', `constant "${constValue}" is longer than length ${length}`);
        } else if (!this.checkLiteral(el, undefined, primitive, constValue, 'constant value')) {
          constValue = undefined;
        }
      }
    } else if (text !== '') {
      this.error(el, undefined, `element text "${text}" is only allowed for presence="constant"`);
    }

    const nullValue = this.literalAttr(el, 'nullValue', primitive) ?? info.nullValue;
    if (this.attr(el, 'nullValue') !== undefined && presence !== 'optional')
      this.error(el, 'nullValue', 'only applies to presence="optional"');
    const minValue = this.literalAttr(el, 'minValue', primitive) ?? info.minValue;
    const maxValue = this.literalAttr(el, 'maxValue', primitive) ?? info.maxValue;
    if (!info.float && /^-?\d+$/.test(minValue) && /^-?\d+$/.test(maxValue) && BigInt(minValue) > BigInt(maxValue))
      this.error(el, 'minValue', `minValue ${minValue} is greater than maxValue ${maxValue}`);

    return {
      kind: 'encoded',
      name: name ?? '',
      primitive,
      length,
      presence,
      nullValue,
      minValue,
      maxValue,
      constValue,
      characterEncoding,
      size: presence === 'constant' ? 0 : info.size * length,
      ...this.common(el),
    };
  }

  private composite(el: XElement): CompositeType | undefined {
    const name = this.nameAttr(el) ?? '';
    const members: CompositeMember[] = [];
    const seen = new Set<string>();
    let offset = 0;
    let ok = true;
    for (const child of this.elementChildren(el)) {
      const memberName = this.nameAttr(child);
      if (memberName === undefined) {
        ok = false;
        continue;
      }
      if (seen.has(memberName)) this.error(child, 'name', `duplicate member "${memberName}" in composite "${name}"`);
      seen.add(memberName);
      let type: TypeDef | undefined;
      if (child.localName === 'ref') {
        const typeName = this.attr(child, 'type');
        if (typeName === undefined) this.error(child, 'type', 'is required');
        else {
          type = this.resolveNamed(typeName);
          if (!type && !this.typeElements.has(typeName)) this.error(child, 'type', `unknown type "${typeName}"`);
        }
      } else if (child.localName === 'type') {
        type = this.encodedType(child, true);
      } else {
        type = this.typeElement(child);
      }
      if (!type) {
        ok = false;
        continue;
      }
      const explicit = this.intAttr(child, 'offset', { min: 0, max: 65535 });
      const isConst = type.kind === 'encoded' && type.presence === 'constant';
      let memberOffset = -1;
      if (!isConst) {
        if (explicit !== undefined) {
          if (explicit < offset)
            this.error(child, 'offset', `offset ${explicit} overlaps the previous member, which ends at ${offset}`);
          memberOffset = explicit;
        } else memberOffset = offset;
        offset = memberOffset + type.size;
      }
      const since = Math.max(this.intAttr(child, 'sinceVersion', { min: 0 }) ?? 0, type.sinceVersion);
      members.push({ name: memberName, offset: memberOffset, type, sinceVersion: since, deprecated: this.deprecatedAttr(child) });
    }
    if (members.length === 0 && ok) this.error(el, undefined, `composite "${name}" has no members`);
    const isVarData = members.some((m) => m.name === 'varData' && m.type.kind === 'encoded' && m.type.length === 0);
    if (!isVarData) {
      for (const m of members)
        if (m.type.kind === 'encoded' && m.type.length === 0)
          this.error(el, undefined, `member "${m.name}" has length 0 outside a var-data composite`);
    }
    return { kind: 'composite', name, members, size: offset, ...this.common(el) };
  }

  private enumType(el: XElement): EnumType | undefined {
    const name = this.nameAttr(el) ?? '';
    const enc = this.encodingAttr(el, ['char', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64']);
    if (!enc) return undefined;
    const values: EnumValue[] = [];
    const names = new Set<string>();
    const codes = new Map<string, string>();
    for (const v of this.elementChildren(el)) {
      if (v.localName !== 'validValue') {
        this.error(v, undefined, `unexpected element in enum "${name}" (expected validValue)`);
        continue;
      }
      const vName = this.nameAttr(v);
      const text = (v.textContent ?? '').trim();
      if (vName === undefined) continue;
      if (names.has(vName)) this.error(v, 'name', `duplicate validValue name "${vName}" in enum "${name}"`);
      names.add(vName);
      let code: string | undefined;
      if (enc.primitive === 'char') {
        if (text.length !== 1 || text.charCodeAt(0) > 126 || text.charCodeAt(0) < 32)
          this.error(v, undefined, `char enum value must be one printable ASCII character, found "${text}"`);
        else code = String(text.charCodeAt(0));
      } else if (this.checkLiteral(v, undefined, enc.primitive, text, 'enum value')) {
        code = BigInt(text).toString();
      }
      if (code === undefined) continue;
      if ((enc.minValue !== undefined && BigInt(code) < BigInt(enc.minValue)) || (enc.maxValue !== undefined && BigInt(code) > BigInt(enc.maxValue)))
        this.error(v, undefined, `value "${text}" of "${vName}" is outside the encoding type's range ${enc.minValue ?? '…'}..${enc.maxValue ?? '…'}`);
      if (code === enc.nullValue)
        this.error(v, undefined, `value "${text}" of "${vName}" equals the encoding's null value ${enc.nullValue}`);
      const dup = codes.get(code);
      if (dup !== undefined) this.error(v, undefined, `value "${text}" of "${vName}" repeats the value of "${dup}"`);
      codes.set(code, vName);
      values.push({
        name: vName,
        value: enc.primitive === 'char' ? text : code,
        code,
        sinceVersion: this.sinceAttr(v),
        deprecated: this.deprecatedAttr(v),
        description: this.attr(v, 'description'),
      });
    }
    if (this.elementChildren(el).length === 0) this.error(el, undefined, `enum "${name}" has no validValue`);
    return {
      kind: 'enum',
      name,
      encoding: enc.primitive,
      nullValue: enc.nullValue,
      presence: enc.presence,
      values,
      size: PRIMITIVES[enc.primitive].size,
      ...this.common(el),
    };
  }

  private setType(el: XElement): SetType | undefined {
    const name = this.nameAttr(el) ?? '';
    const enc = this.encodingAttr(el, ['uint8', 'uint16', 'uint32', 'uint64']);
    if (!enc) return undefined;
    const bits = PRIMITIVES[enc.primitive].size * 8;
    const choices: SetType['choices'] = [];
    const names = new Set<string>();
    const used = new Map<number, string>();
    for (const c of this.elementChildren(el)) {
      if (c.localName !== 'choice') {
        this.error(c, undefined, `unexpected element in set "${name}" (expected choice)`);
        continue;
      }
      const cName = this.nameAttr(c);
      if (cName === undefined) continue;
      if (names.has(cName)) this.error(c, 'name', `duplicate choice "${cName}" in set "${name}"`);
      names.add(cName);
      const text = (c.textContent ?? '').trim();
      if (!/^\d+$/.test(text) || Number(text) >= bits) {
        this.error(c, undefined, `choice bit must be an integer from 0 to ${bits - 1} for ${enc.primitive}, found "${text}"`);
        continue;
      }
      const bit = Number(text);
      const dup = used.get(bit);
      if (dup !== undefined) this.error(c, undefined, `bit ${bit} of "${cName}" is already used by "${dup}"`);
      used.set(bit, cName);
      choices.push({
        name: cName,
        bit,
        sinceVersion: this.sinceAttr(c),
        deprecated: this.deprecatedAttr(c),
        description: this.attr(c, 'description'),
      });
    }
    if (this.elementChildren(el).length === 0) this.error(el, undefined, `set "${name}" has no choice`);
    return { kind: 'set', name, encoding: enc.primitive, choices, size: PRIMITIVES[enc.primitive].size, ...this.common(el) };
  }

  /** encodingType of an enum or set: a primitive, or a named scalar encoded type. */
  private encodingAttr(
    el: XElement,
    allowed: Primitive[],
  ): { primitive: Primitive; nullValue: string; presence: Presence; minValue?: string; maxValue?: string } | undefined {
    const text = this.attr(el, 'encodingType');
    if (text === undefined) {
      this.error(el, 'encodingType', 'is required');
      return undefined;
    }
    let primitive: Primitive | undefined;
    let nullValue: string | undefined;
    let presence: Presence = 'required';
    let minValue: string | undefined;
    let maxValue: string | undefined;
    if (isPrimitive(text)) primitive = text;
    else {
      const t = this.resolveNamed(text);
      if (!t) {
        if (!this.typeElements.has(text)) this.error(el, 'encodingType', `unknown type "${text}"`);
        return undefined;
      }
      if (t.kind !== 'encoded' || t.length !== 1 || t.presence === 'constant') {
        this.error(el, 'encodingType', `"${text}" must be a scalar (length 1), non-constant encoded type`);
        return undefined;
      }
      primitive = t.primitive;
      nullValue = t.nullValue;
      presence = t.presence;
      // Only limits the schema states narrow the values; the primitive's defaults do not.
      const named = this.typeElements.get(text)!.el;
      if (named.hasAttribute('minValue')) minValue = t.minValue;
      if (named.hasAttribute('maxValue')) maxValue = t.maxValue;
    }
    if (!allowed.includes(primitive)) {
      this.error(el, 'encodingType', `${primitive} cannot encode a ${el.localName} (allowed: ${allowed.join(', ')})`);
      return undefined;
    }
    // sbe-tool honours presence and nullValue written on the enum itself; so do we (they override the encoding type's).
    const ownPresence = el.localName === 'enum' ? this.presenceAttr(el) : undefined;
    if (ownPresence !== undefined) presence = ownPresence;
    if (el.localName === 'enum' && el.hasAttribute('nullValue')) {
      const own = this.literalAttr(el, 'nullValue', primitive);
      if (own !== undefined) nullValue = own;
    }
    return { primitive, nullValue: nullValue ?? PRIMITIVES[primitive].nullValue, presence, minValue, maxValue };
  }

  private resolveValueRef(el: XElement, valueRef: string): { type: EnumType; value: EnumValue } | undefined {
    const dot = valueRef.indexOf('.');
    if (dot <= 0) {
      this.error(el, 'valueRef', `must be "EnumName.ValueName", found "${valueRef}"`);
      return undefined;
    }
    const enumName = valueRef.slice(0, dot);
    const valueName = valueRef.slice(dot + 1);
    const t = this.resolveNamed(enumName);
    if (!t || t.kind !== 'enum') {
      this.error(el, 'valueRef', `"${enumName}" is not an enum type`);
      return undefined;
    }
    const value = t.values.find((v) => v.name === valueName);
    if (!value) {
      this.error(el, 'valueRef', `enum "${enumName}" has no value "${valueName}"`);
      return undefined;
    }
    return { type: t, value };
  }

  private resolveHeader(
    root: XElement,
    headerName: string,
  ): { header: CompositeType; members: Schema['headerMembers'] } | undefined {
    const header = this.resolveNamed(headerName);
    if (!header) {
      if (!this.typeElements.has(headerName))
        this.error(root, 'headerType', `message header composite "${headerName}" is not defined`);
      return undefined;
    }
    if (header.kind !== 'composite') {
      this.error(root, 'headerType', `"${headerName}" must be a composite`);
      return undefined;
    }
    const need = ['blockLength', 'templateId', 'schemaId', 'version'] as const;
    const found: Partial<Schema['headerMembers']> = {};
    const headerEl = this.typeElements.get(headerName)!.el;
    for (const n of need) {
      const m = header.members.find((x) => x.name === n);
      if (!m) this.error(headerEl, undefined, `message header "${headerName}" has no member "${n}"`);
      else if (!this.isUnsignedScalar(m.type))
        this.error(headerEl, undefined, `message header member "${n}" must be an unsigned integer, non-constant`);
      else found[n] = m;
    }
    if (need.some((n) => !found[n])) return undefined;
    return { header, members: found as Schema['headerMembers'] };
  }

  private isUnsignedScalar(t: TypeDef): boolean {
    return (
      t.kind === 'encoded' &&
      t.length === 1 &&
      t.presence !== 'constant' &&
      ['uint8', 'uint16', 'uint32', 'uint64'].includes(t.primitive)
    );
  }

  // ---------------------------------------------------------------- messages

  private message(el: XElement): MessageDef | undefined {
    const name = this.nameAttr(el);
    const id = this.intAttr(el, 'id', { required: true, min: 0, max: 65535 });
    const block = this.block(el, name ?? '?');
    if (name === undefined || id === undefined || !block) return undefined;
    return { name, id, ...block, ...this.common(el) };
  }

  /** Fields, then groups, then data — the wire order SBE requires. */
  private block(el: XElement, owner: string): Pick<MessageDef, 'blockLength' | 'fields' | 'groups' | 'data'> | undefined {
    const fields: FieldDef[] = [];
    const groups: GroupDef[] = [];
    const data: DataDef[] = [];
    const names = new Map<string, XElement>();
    let offset = 0;
    let phase = 0; // 0 fields, 1 groups, 2 data
    for (const child of this.elementChildren(el)) {
      const kind = child.localName;
      const name = this.nameAttr(child);
      if (name !== undefined) {
        const prior = names.get(name);
        if (prior) this.error(child, 'name', `duplicate name "${name}" in ${owner} (also ${this.where(prior)})`);
        names.set(name, child);
      }
      if (kind === 'field') {
        if (phase > 0) this.error(child, undefined, `field "${name}" must come before all groups and data of ${owner}`);
        const f = this.field(child, offset);
        if (f) {
          fields.push(f);
          if (f.offset >= 0) offset = f.offset + f.type.size;
        }
      } else if (kind === 'group') {
        if (phase > 1) this.error(child, undefined, `group "${name}" must come before all data of ${owner}`);
        phase = Math.max(phase, 1);
        const g = this.group(child);
        if (g) groups.push(g);
      } else if (kind === 'data') {
        phase = 2;
        const d = this.data(child);
        if (d) data.push(d);
      } else {
        this.error(child, undefined, `unexpected element in ${owner} (expected field, group or data)`);
      }
    }
    const declared = this.intAttr(el, 'blockLength', { min: 0, max: 65535 });
    if (declared !== undefined && declared < offset)
      this.error(el, 'blockLength', `blockLength ${declared} is less than the fields need (${offset})`);
    return { blockLength: declared ?? offset, fields, groups, data };
  }

  private field(el: XElement, offset: number): FieldDef | undefined {
    const name = this.nameAttr(el);
    const id = this.intAttr(el, 'id', { required: true, min: 0 });
    const typeName = this.attr(el, 'type');
    if (typeName === undefined) {
      this.error(el, 'type', 'is required');
      return undefined;
    }
    let type: TypeDef | undefined;
    if (isPrimitive(typeName)) {
      const info = PRIMITIVES[typeName];
      type = {
        kind: 'encoded',
        name: typeName,
        primitive: typeName,
        length: 1,
        presence: 'required',
        nullValue: info.nullValue,
        minValue: info.minValue,
        maxValue: info.maxValue,
        size: info.size,
        sinceVersion: 0,
        source: this.src(el),
      };
    } else {
      type = this.resolveNamed(typeName);
      if (!type) {
        if (!this.typeElements.has(typeName)) this.error(el, 'type', `unknown type "${typeName}"`);
        return undefined;
      }
    }
    if (type.kind === 'composite' && type.members.some((m) => m.type.kind === 'encoded' && m.type.length === 0)) {
      this.error(el, 'type', `"${typeName}" is a var-data composite; use <data>, not <field>`);
      return undefined;
    }
    const typePresence: Presence =
      type.kind === 'encoded' || type.kind === 'enum' ? type.presence : 'required';
    let presence = this.presenceAttr(el) ?? typePresence;
    if (typePresence === 'constant') presence = 'constant';
    let constEnum: FieldDef['constEnum'];
    const valueRef = this.attr(el, 'valueRef');
    if (presence === 'constant' && typePresence !== 'constant') {
      if (valueRef === undefined) {
        this.error(el, 'presence', `constant field "${name}" needs valueRef="Enum.Value" (or a constant type)`);
      } else {
        constEnum = this.resolveValueRef(el, valueRef);
        if (constEnum && type.kind === 'enum' && constEnum.type !== type)
          this.error(el, 'valueRef', `"${valueRef}" is not a value of the field's type "${typeName}"`);
        else if (constEnum && type.kind !== 'enum')
          this.error(el, 'valueRef', `valueRef needs the field's type to be an enum, "${typeName}" is a ${type.kind}`);
      }
    } else if (valueRef !== undefined) {
      this.error(el, 'valueRef', 'only applies to presence="constant"');
    }
    if (presence === 'optional' && type.kind !== 'encoded' && type.kind !== 'enum' && type.kind !== 'composite')
      this.error(el, 'presence', `a ${type.kind} field cannot be optional`);

    let fieldOffset = -1;
    if (presence !== 'constant') {
      const explicit = this.intAttr(el, 'offset', { min: 0, max: 65535 });
      if (explicit !== undefined) {
        if (explicit < offset)
          this.error(el, 'offset', `offset ${explicit} overlaps the previous field, which ends at ${offset}`);
        fieldOffset = explicit;
      } else fieldOffset = offset;
    }
    const sinceVersion = Math.max(this.sinceAttr(el), type.sinceVersion);
    if (name === undefined || id === undefined) return undefined;
    const f: FieldDef = {
      name,
      id,
      offset: fieldOffset,
      presence,
      type,
      constEnum,
      ...this.common(el),
      sinceVersion,
    };
    const epoch = this.attr(el, 'epoch');
    const timeUnit = this.attr(el, 'timeUnit');
    if (epoch !== undefined) f.epoch = epoch;
    if (timeUnit !== undefined) {
      if (!['second', 'millisecond', 'microsecond', 'nanosecond'].includes(timeUnit))
        this.error(el, 'timeUnit', `must be second, millisecond, microsecond or nanosecond, found "${timeUnit}"`);
      f.timeUnit = timeUnit;
    }
    return f;
  }

  private group(el: XElement): GroupDef | undefined {
    const name = this.nameAttr(el);
    const id = this.intAttr(el, 'id', { required: true, min: 0 });
    const dimName = this.attr(el, 'dimensionType') ?? 'groupSizeEncoding';
    const dim = this.resolveNamed(dimName);
    let dimension: CompositeType | undefined;
    let blockLengthMember: CompositeMember | undefined;
    let numInGroupMember: CompositeMember | undefined;
    if (!dim) {
      if (!this.typeElements.has(dimName))
        this.error(el, 'dimensionType', `group dimension composite "${dimName}" is not defined`);
    } else if (dim.kind !== 'composite') {
      this.error(el, 'dimensionType', `"${dimName}" must be a composite`);
    } else {
      dimension = dim;
      blockLengthMember = dim.members.find((m) => m.name === 'blockLength');
      numInGroupMember = dim.members.find((m) => m.name === 'numInGroup');
      for (const [n, m] of [
        ['blockLength', blockLengthMember],
        ['numInGroup', numInGroupMember],
      ] as const) {
        if (!m) this.error(el, 'dimensionType', `"${dimName}" has no member "${n}"`);
        else if (!this.isUnsignedScalar(m.type))
          this.error(el, 'dimensionType', `"${dimName}.${n}" must be an unsigned integer, non-constant`);
      }
    }
    const block = this.block(el, `group "${name}"`);
    if (!block || !dimension || !blockLengthMember || !numInGroupMember || name === undefined || id === undefined)
      return undefined;
    const blType = blockLengthMember.type as EncodedType;
    if (BigInt(block.blockLength) > primitiveRange(blType.primitive)!.hi)
      this.error(el, 'blockLength', `blockLength ${block.blockLength} does not fit ${dimName}.blockLength (${blType.primitive})`);
    const nType = numInGroupMember.type as EncodedType;
    return {
      name,
      id,
      dimension,
      blockLengthMember,
      numInGroupMember,
      minCount: nType.minValue,
      maxCount: nType.maxValue,
      ...block,
      ...this.common(el),
    };
  }

  private data(el: XElement): DataDef | undefined {
    const name = this.nameAttr(el);
    const id = this.intAttr(el, 'id', { required: true, min: 0 });
    const typeName = this.attr(el, 'type');
    if (typeName === undefined) {
      this.error(el, 'type', 'is required');
      return undefined;
    }
    const t = this.resolveNamed(typeName);
    if (!t) {
      if (!this.typeElements.has(typeName)) this.error(el, 'type', `unknown type "${typeName}"`);
      return undefined;
    }
    if (t.kind !== 'composite') {
      this.error(el, 'type', `"${typeName}" must be a composite with members length and varData`);
      return undefined;
    }
    const len = t.members.find((m) => m.name === 'length');
    const varData = t.members.find((m) => m.name === 'varData');
    if (!len || !varData) {
      this.error(el, 'type', `"${typeName}" must have members "length" and "varData"`);
      return undefined;
    }
    if (!this.isUnsignedScalar(len.type) || (len.type as EncodedType).primitive === 'uint64') {
      this.error(el, 'type', `"${typeName}.length" must be uint8, uint16 or uint32`);
      return undefined;
    }
    if (varData.type.kind !== 'encoded' || !['uint8', 'char'].includes(varData.type.primitive)) {
      this.error(el, 'type', `"${typeName}.varData" must be uint8 or char`);
      return undefined;
    }
    if (varData.offset !== len.offset + len.type.size) {
      this.error(el, 'type', `"${typeName}.varData" must directly follow "length"`);
      return undefined;
    }
    const lenType = len.type as EncodedType;
    if (name === undefined || id === undefined) return undefined;
    return {
      name,
      id,
      type: t,
      lengthPrimitive: lenType.primitive,
      lengthOffset: len.offset,
      dataOffset: varData.offset,
      maxLength: lenType.maxValue,
      characterEncoding: varData.type.characterEncoding,
      ...this.common(el),
      // Same rule as fields and composite members: an element exists from the later of its own and its type's version.
      sinceVersion: Math.max(this.sinceAttr(el), t.sinceVersion),
    };
  }

  // ---------------------------------------------------------------- attribute helpers

  private common(el: XElement): { sinceVersion: number; deprecated?: number; description?: string; semanticType?: string; source: SourceRef } {
    const out: { sinceVersion: number; deprecated?: number; description?: string; semanticType?: string; source: SourceRef } = {
      sinceVersion: this.sinceAttr(el),
      source: this.src(el),
    };
    const dep = this.deprecatedAttr(el);
    if (dep !== undefined) out.deprecated = dep;
    const d = this.attr(el, 'description');
    if (d !== undefined) out.description = d;
    const s = this.attr(el, 'semanticType');
    if (s !== undefined) out.semanticType = s;
    return out;
  }

  private sinceAttr(el: XElement): number {
    const v = this.intAttr(el, 'sinceVersion', { min: 0 }) ?? 0;
    if (v > this.schemaVersion)
      this.error(el, 'sinceVersion', `sinceVersion ${v} is newer than the schema version ${this.schemaVersion}`);
    return v;
  }

  private deprecatedAttr(el: XElement): number | undefined {
    return this.intAttr(el, 'deprecated', { min: 0 });
  }

  private presenceAttr(el: XElement): Presence | undefined {
    const p = this.attr(el, 'presence');
    if (p === undefined) return undefined;
    if (p === 'required' || p === 'optional' || p === 'constant') return p;
    this.error(el, 'presence', `must be required, optional or constant, found "${p}"`);
    return undefined;
  }

  private nameAttr(el: XElement): string | undefined {
    const n = this.attr(el, 'name');
    if (n === undefined) {
      this.error(el, 'name', 'is required');
      return undefined;
    }
    if (!isIdentifier(n)) {
      this.error(el, 'name', `"${n}" is not a valid identifier (letters, digits, underscore; not starting with a digit)`);
      return undefined;
    }
    return n;
  }

  private intAttr(el: XElement, name: string, o: { required?: boolean; min?: number; max?: number }): number | undefined {
    const v = this.attr(el, name);
    if (v === undefined) {
      if (o.required) this.error(el, name, 'is required');
      return undefined;
    }
    if (!/^-?\d+$/.test(v.trim())) {
      this.error(el, name, `must be an integer, found "${v}"`);
      return undefined;
    }
    const n = Number(v.trim());
    if ((o.min !== undefined && n < o.min) || (o.max !== undefined && n > o.max)) {
      this.error(el, name, `${n} is out of range ${o.min ?? '-∞'}..${o.max ?? '∞'}`);
      return undefined;
    }
    return n;
  }

  /** A nullValue/minValue/maxValue attribute: a literal of the primitive's type. */
  private literalAttr(el: XElement, name: string, p: Primitive): string | undefined {
    const v = this.attr(el, name);
    if (v === undefined) return undefined;
    const t = v.trim();
    if (p === 'char') {
      // Like sbe-tool, a char literal is one character: nullValue="0" means '0' (0x30), not NUL.
      if (t.length === 1 && t.charCodeAt(0) < 128) return String(t.charCodeAt(0));
      this.error(el, name, `a char ${name} must be exactly one ASCII character, found "${v}"`);
      return undefined;
    }
    return this.checkLiteral(el, name, p, t, name) ? normaliseLiteral(p, t) : undefined;
  }

  private checkLiteral(el: XElement, attribute: string | undefined, p: Primitive, text: string, what: string): boolean {
    const info = PRIMITIVES[p];
    if (info.float) {
      if (text === 'NaN' || /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return true;
      this.error(el, attribute, `${what} "${text}" is not a number`);
      return false;
    }
    if (!/^[+-]?\d+$/.test(text)) {
      this.error(el, attribute, `${what} "${text}" is not an integer`);
      return false;
    }
    const range = primitiveRange(p)!;
    const n = BigInt(text);
    if (n < range.lo || n > range.hi) {
      this.error(el, attribute, `${what} ${text} does not fit ${p} (${range.lo}..${range.hi})`);
      return false;
    }
    return true;
  }

  private attr(el: XElement, name: string): string | undefined {
    return el.hasAttribute(name) ? (el.getAttribute(name) ?? undefined) : undefined;
  }

  private children(el: XElement, localName: string): XElement[] {
    return this.elementChildren(el).filter((c) => c.localName === localName);
  }

  private elementChildren(el: XElement): XElement[] {
    const out: XElement[] = [];
    for (let c = el.firstChild; c; c = c.nextSibling) if (c.nodeType === ELEMENT_NODE) out.push(c as XElement);
    return out;
  }

  private fileFor(node: XNode): string {
    return this.fileOf.get(node) ?? this.file;
  }

  private src(el: XElement): SourceRef {
    return { file: this.fileFor(el), line: (el as unknown as { lineNumber?: number }).lineNumber ?? 0 };
  }

  private where(el: XElement): string {
    return `${path.basename(this.fileFor(el))}:${(el as unknown as { lineNumber?: number }).lineNumber ?? 0}`;
  }

  private error(el: XElement, attribute: string | undefined, message: string): void {
    const e: SchemaError = {
      file: this.fileFor(el),
      line: (el as unknown as { lineNumber?: number }).lineNumber ?? 0,
      column: (el as unknown as { columnNumber?: number }).columnNumber ?? 0,
      element: el.tagName,
      message,
    };
    if (attribute !== undefined) e.attribute = attribute;
    this.errors.push(e);
  }
}

function dedupe(errors: SchemaError[]): SchemaError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const k = formatError(e);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function normaliseLiteral(p: Primitive, text: string): string {
  return PRIMITIVES[p].float ? text : BigInt(text).toString();
}
