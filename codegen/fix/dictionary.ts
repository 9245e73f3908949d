/**
 * QuickFIX-format FIX data dictionary: XML → resolved, validated IR (./ir.ts).
 *
 * Contract (as codegen/parse.ts for SBE): `parseFixDictionaryFiles` never throws for a bad
 * dictionary. It returns every error it finds in one pass, each as a `SchemaError` located at
 * file:line:column of the element to blame (print with `formatError`), and returns a `dictionary`
 * only when there are none.
 *
 * One file: a FIX 4.x dictionary (header, trailer, admin and application messages). Two files: a
 * FIXT 1.1 transport dictionary and a FIX 5.0+ application dictionary, in either order; the header,
 * trailer and admin messages come from the transport, the application messages from the application
 * dictionary, fields from both (a field both define must agree on name and type, DATA and XMLDATA
 * counting as one; the transport's type is kept and the enum values are merged).
 *
 * Semantics (effective `required`): a member referenced inside a component that is itself referenced
 * with required="N" is optional there; requiredness inside a group is per entry and starts afresh at
 * the group boundary. A group's delimiter is its first field after expansion.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DOMParser } from '@xmldom/xmldom';
import type { Document as XDocument, Element as XElement } from '@xmldom/xmldom';
import type { SchemaError } from '../parse.js';
import {
  type FixDictionary,
  type FixEnumValue,
  type FixField,
  type FixFieldType,
  type FixMember,
  type FixMessage,
  type FixVersion,
  FIX_FIELD_TYPES,
  isDataType,
  isFixFieldType,
} from './ir.js';

export { formatError } from '../parse.js';
export type { SchemaError } from '../parse.js';

export interface FixParseResult {
  dictionary?: FixDictionary;
  errors: SchemaError[];
}

/** Highest tag number accepted (tables are indexed by tag). */
export const MAX_FIX_TAG = 999_999;

const ELEMENT_NODE = 1;
const BEGIN_STRING = 8;
const BODY_LENGTH = 9;
const MSG_TYPE = 35;
const CHECK_SUM = 10;
const APPL_VER_ID = 1128;

/** Parse one dictionary, or a FIXT transport + application pair. */
export function parseFixDictionaryFiles(files: readonly string[]): FixParseResult {
  return new FixDictionaryParser(files).run();
}

interface FieldEntry {
  field: FixField;
  el: XElement;
}

interface FileDoc {
  file: string;
  root: XElement;
  version: FixVersion;
  components: Map<string, XElement>;
}

/** A member during expansion: the IR member plus the element that brought it in (for locations). */
interface Item {
  kind: 'field' | 'group';
  entry: FieldEntry;
  required: boolean;
  el: XElement;
  members: Item[];
}

class FixDictionaryParser {
  private readonly errors: SchemaError[] = [];
  private readonly fileOfDoc = new WeakMap<XDocument, string>();
  private readonly byTag = new Map<number, FieldEntry>();
  private readonly byName = new Map<string, FieldEntry>();
  /** Expanded component bodies (as if referenced with required="Y"), per file and name. */
  private readonly componentMemo = new Map<string, Item[]>();
  private readonly resolving: string[] = [];
  /** Tags of the header and trailer (nested included). */
  private readonly sectionOf = new Map<number, 'header' | 'trailer'>();
  /** Expanded bodies of the messages, for the data-field pairing. */
  private readonly messageItems: Item[][] = [];

  constructor(private readonly files: readonly string[]) {}

  run(): FixParseResult {
    if (this.files.length < 1 || this.files.length > 2) {
      this.errors.push({ file: this.files[0] ?? '', line: 0, column: 0, element: 'fix', message: 'give one dictionary, or a FIXT transport and an application dictionary' });
      return { errors: this.errors };
    }
    const docs: FileDoc[] = [];
    for (const f of this.files) {
      const d = this.load(f);
      if (d) docs.push(d);
    }
    if (docs.length !== this.files.length) return { errors: dedupe(this.errors) };

    let transport: FileDoc;
    let app: FileDoc | undefined;
    if (docs.length === 2) {
      const t = docs.filter((d) => d.version.type === 'FIXT');
      const a = docs.filter((d) => d.version.type === 'FIX');
      if (t.length !== 1 || a.length !== 1) {
        this.error(docs[1]!.root, 'type', 'a dictionary pair must be one FIXT transport and one FIX application dictionary');
        return { errors: dedupe(this.errors) };
      }
      transport = t[0]!;
      app = a[0]!;
    } else {
      transport = docs[0]!;
    }
    const ordered = app ? [transport, app] : [transport];

    for (const d of ordered) this.readFields(d);
    for (const d of ordered) this.readComponents(d);
    // Every component definition is checked, used or not; later uses hit the memo.
    for (const d of ordered) for (const name of d.components.keys()) this.expandComponent(d, name);

    const header = this.sectionItems(transport, 'header');
    const trailer = this.sectionItems(transport, 'trailer');
    if (app) {
      for (const section of ['header', 'trailer'] as const) {
        const el = this.child(app.root, section);
        if (el && this.elementChildren(el).length > 0)
          this.error(el, undefined, `an application dictionary of a FIXT pair must not define the ${section} (it comes from ${path.basename(transport.file)})`);
      }
    }
    if (header) {
      this.checkHeader(header.el, header.items);
      this.checkNesting(header.items, 'header');
      for (const t of allItemTags(header.items)) this.sectionOf.set(t, 'header');
    }
    if (trailer) {
      this.checkTrailer(trailer.el, trailer.items);
      this.checkNesting(trailer.items, 'trailer');
      for (const t of allItemTags(trailer.items)) this.sectionOf.set(t, 'trailer');
    }

    const messages: FixMessage[] = [];
    const byMsgType = new Map<string, XElement>();
    const byMsgName = new Map<string, XElement>();
    for (const d of ordered) {
      const only = !app ? undefined : d === transport ? 'admin' : 'app';
      const messagesEl = this.child(d.root, 'messages');
      if (!messagesEl) continue;
      for (const el of this.elementChildren(messagesEl)) {
        if (el.tagName !== 'message') {
          this.error(el, undefined, 'unexpected element in <messages> (expected message)');
          continue;
        }
        const m = this.message(d, el, only);
        if (!m) continue;
        const dupType = byMsgType.get(m.msgType);
        if (dupType) this.error(el, 'msgtype', `duplicate msgtype "${m.msgType}" (also ${this.where(dupType)})`);
        const dupName = byMsgName.get(m.name);
        if (dupName) this.error(el, 'name', `duplicate message name "${m.name}" (also ${this.where(dupName)})`);
        byMsgType.set(m.msgType, el);
        byMsgName.set(m.name, el);
        messages.push(m);
      }
    }
    if (messages.length === 0 && this.errors.length === 0) this.error(transport.root, undefined, 'dictionary defines no messages');

    const lists: Item[][] = [];
    if (header) lists.push(header.items);
    if (trailer) lists.push(trailer.items);
    for (const m of this.messageItems) lists.push(m);
    this.pairDataFields(lists);

    if (this.errors.length > 0 || !header || !trailer) return { errors: dedupe(this.errors) };
    const v = transport.version;
    const beginString = `${v.type}.${v.major}.${v.minor}${v.servicePack > 0 ? `SP${v.servicePack}` : ''}`;
    const dictionary: FixDictionary = {
      beginString,
      versions: ordered.map((d) => d.version),
      fields: [...this.byTag.values()].map((e) => e.field).sort((a, b) => a.tag - b.tag),
      header: toMembers(header.items),
      trailer: toMembers(trailer.items),
      messages,
      sources: ordered.map((d) => d.file),
    };
    if (app) {
      const id = this.applVerID(app.version);
      if (id !== undefined) dictionary.applVerID = id;
    }
    return { dictionary, errors: [] };
  }

  // ---------------------------------------------------------------- loading

  private load(file: string): FileDoc | undefined {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      this.errors.push({ file, line: 0, column: 0, element: 'fix', message: `cannot read ${file}: ${(e as Error).message}` });
      return undefined;
    }
    const problems: SchemaError[] = [];
    const parser = new DOMParser({
      onError: (level, message) => {
        if (level === 'warning') return;
        problems.push({ file, line: 0, column: 0, element: '?xml', message: `XML ${level}: ${message.trim()}` });
      },
    });
    let doc: XDocument;
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
    this.fileOfDoc.set(doc, file);
    if (root.tagName !== 'fix') {
      this.error(root, undefined, `root element must be fix, found ${root.tagName}`);
      return undefined;
    }
    const type = this.attr(root, 'type') ?? 'FIX';
    if (type !== 'FIX' && type !== 'FIXT') this.error(root, 'type', `must be FIX or FIXT, found "${type}"`);
    const num = (name: string, required: boolean): number => {
      const s = this.attr(root, name);
      if (s === undefined) {
        if (required) this.error(root, name, 'is required');
        return 0;
      }
      if (!/^\d{1,3}$/.test(s)) {
        this.error(root, name, `must be a small non-negative integer, found "${s}"`);
        return 0;
      }
      return Number(s);
    };
    const version: FixVersion = {
      type: type === 'FIXT' ? 'FIXT' : 'FIX',
      major: num('major', true),
      minor: num('minor', true),
      servicePack: num('servicepack', false),
    };
    return { file, root, version, components: new Map() };
  }

  // ---------------------------------------------------------------- fields

  private readFields(d: FileDoc): void {
    const fieldsEl = this.child(d.root, 'fields');
    if (!fieldsEl) {
      this.error(d.root, undefined, 'has no <fields> section');
      return;
    }
    const seenHere = new Map<number, XElement>();
    for (const el of this.elementChildren(fieldsEl)) {
      if (el.tagName !== 'field') {
        this.error(el, undefined, 'unexpected element in <fields> (expected field)');
        continue;
      }
      const f = this.fieldDef(el);
      if (!f) continue;
      const dupHere = seenHere.get(f.tag);
      if (dupHere) {
        this.error(el, 'number', `duplicate tag ${f.tag} (also ${this.where(dupHere)})`);
        continue;
      }
      seenHere.set(f.tag, el);
      const prior = this.byTag.get(f.tag);
      const priorName = this.byName.get(f.name);
      if (prior) {
        // The other file of a pair defines it too: same name and type (DATA ≈ XMLDATA), merge enums.
        if (prior.field.name !== f.name) {
          this.error(el, 'name', `tag ${f.tag} is "${f.name}" here but "${prior.field.name}" at ${this.where(prior.el)}`);
          continue;
        }
        const sameType = prior.field.type === f.type || (isDataType(prior.field.type) && isDataType(f.type));
        if (!sameType) {
          this.error(el, 'type', `field "${f.name}" (${f.tag}) is ${f.type} here but ${prior.field.type} at ${this.where(prior.el)}`);
          continue;
        }
        const have = new Set(prior.field.values.map((v) => v.value));
        for (const v of f.values) if (!have.has(v.value)) prior.field.values.push(v);
        continue;
      }
      if (priorName) {
        this.error(el, 'name', `duplicate field name "${f.name}" (tag ${priorName.field.tag} at ${this.where(priorName.el)})`);
        continue;
      }
      const entry = { field: f, el };
      this.byTag.set(f.tag, entry);
      this.byName.set(f.name, entry);
    }
  }

  private fieldDef(el: XElement): FixField | undefined {
    const numText = this.attr(el, 'number');
    const name = this.attr(el, 'name');
    const typeText = this.attr(el, 'type');
    let ok = true;
    let tag = 0;
    if (numText === undefined) {
      this.error(el, 'number', 'is required');
      ok = false;
    } else if (!/^\d+$/.test(numText) || Number(numText) < 1 || Number(numText) > MAX_FIX_TAG) {
      this.error(el, 'number', `must be an integer from 1 to ${MAX_FIX_TAG}, found "${numText}"`);
      ok = false;
    } else tag = Number(numText);
    if (name === undefined || name === '') {
      this.error(el, 'name', 'is required');
      ok = false;
    } else if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      this.error(el, 'name', `"${name}" is not a valid field name (letters, digits, underscore)`);
      ok = false;
    }
    // A bad type is reported but the field is still defined (as STRING), so its uses do not cascade.
    let type: FixFieldType = 'STRING';
    if (typeText === undefined) this.error(el, 'type', 'is required');
    else if (!isFixFieldType(typeText)) this.error(el, 'type', `unknown field type "${typeText}" (expected one of ${FIX_FIELD_TYPES.join(', ')})`);
    else type = typeText;
    const values: FixEnumValue[] = [];
    const seen = new Map<string, XElement>();
    for (const v of this.elementChildren(el)) {
      if (v.tagName !== 'value') {
        this.error(v, undefined, 'unexpected element in <field> (expected value)');
        continue;
      }
      const value = this.attr(v, 'enum');
      if (value === undefined) {
        this.error(v, 'enum', 'is required');
        continue;
      }
      if (!/^[\x21-\x7e]+$/.test(value)) {
        this.error(v, 'enum', `"${value}" must be printable ASCII without spaces`);
        continue;
      }
      if (type === 'CHAR' && value.length !== 1) {
        this.error(v, 'enum', `"${value}" is not one character, as a CHAR value must be`);
        continue;
      }
      const dup = seen.get(value);
      if (dup) {
        this.error(v, 'enum', `duplicate value "${value}" of field "${name ?? ''}" (also ${this.where(dup)})`);
        continue;
      }
      seen.set(value, v);
      values.push({ value, description: this.attr(v, 'description') ?? '' });
    }
    if (!ok || name === undefined) return undefined;
    return { tag, name, type, values, source: this.src(el) };
  }

  // ---------------------------------------------------------------- components and members

  private readComponents(d: FileDoc): void {
    const el = this.child(d.root, 'components');
    if (!el) return;
    for (const c of this.elementChildren(el)) {
      if (c.tagName !== 'component') {
        this.error(c, undefined, 'unexpected element in <components> (expected component)');
        continue;
      }
      const name = this.attr(c, 'name');
      if (!name) {
        this.error(c, 'name', 'is required');
        continue;
      }
      const prior = d.components.get(name);
      if (prior) {
        this.error(c, 'name', `duplicate component "${name}" (also ${this.where(prior)})`);
        continue;
      }
      d.components.set(name, c);
    }
  }

  /** A component's members as if referenced with required="Y"; [] (with an error) for a cycle. */
  private expandComponent(d: FileDoc, name: string, ref?: XElement): Item[] {
    const key = `${d.file}\u0000${name}`;
    const memo = this.componentMemo.get(key);
    if (memo) return memo;
    const cycleAt = this.resolving.indexOf(key);
    if (cycleAt >= 0) {
      const chain = [...this.resolving.slice(cycleAt), key].map((k) => k.split('\u0000')[1]).join(' → ');
      this.error(ref ?? d.components.get(name)!, 'name', `component "${name}" includes itself (${chain})`);
      return [];
    }
    this.resolving.push(key);
    const items = this.expandChildren(d, d.components.get(name)!, true);
    this.resolving.pop();
    this.componentMemo.set(key, items);
    return items;
  }

  /** The members listed under `parent`, components expanded in place. */
  private expandChildren(d: FileDoc, parent: XElement, enclosingRequired: boolean): Item[] {
    const out: Item[] = [];
    for (const el of this.elementChildren(parent)) {
      const kind = el.tagName;
      if (kind !== 'field' && kind !== 'group' && kind !== 'component') {
        this.error(el, undefined, `unexpected element in <${parent.tagName}> (expected field, group or component)`);
        continue;
      }
      const name = this.attr(el, 'name');
      if (!name) {
        this.error(el, 'name', 'is required');
        continue;
      }
      const req = this.requiredAttr(el);
      const required = req && enclosingRequired;
      if (kind === 'component') {
        if (!d.components.has(name)) {
          this.error(el, 'name', `unknown component "${name}"`);
          continue;
        }
        const body = this.expandComponent(d, name, el);
        for (const it of body) out.push(required ? it : { ...it, required: false });
        continue;
      }
      const entry = this.byName.get(name);
      if (!entry) {
        this.error(el, 'name', `unknown field "${name}"`);
        if (kind === 'group') this.expandChildren(d, el, true); // still report what is inside
        continue;
      }
      if (kind === 'field') {
        if (entry.field.type === 'NUMINGROUP') {
          this.error(el, 'name', `"${name}" (${entry.field.tag}) is a NUMINGROUP field; declare it as a <group> with its members`);
          continue;
        }
        out.push({ kind: 'field', entry, required, el, members: [] });
        continue;
      }
      if (entry.field.type !== 'NUMINGROUP')
        this.error(el, 'name', `group count field "${name}" (${entry.field.tag}) must be NUMINGROUP, found ${entry.field.type}`);
      const members = this.expandChildren(d, el, true);
      if (members.length === 0) this.error(el, 'name', `group "${name}" has no fields`);
      this.checkDuplicates(members, `group ${name}`);
      out.push({ kind: 'group', entry, required, el, members });
    }
    return out;
  }

  private requiredAttr(el: XElement): boolean {
    const r = this.attr(el, 'required');
    if (r === 'Y') return true;
    if (r === 'N') return false;
    this.error(el, 'required', r === undefined ? 'is required (Y or N)' : `must be Y or N, found "${r}"`);
    return false;
  }

  /** One tag at most once per level (message body, header, trailer, one group entry). */
  private checkDuplicates(items: Item[], where: string): void {
    const seen = new Map<number, Item>();
    for (const it of items) {
      const tag = it.entry.field.tag;
      const prior = seen.get(tag);
      if (prior) {
        this.error(it.el, 'name', `tag ${tag} (${it.entry.field.name}) appears twice in ${where} (first at ${this.where(prior.el)})`);
        continue;
      }
      seen.set(tag, it);
    }
  }

  /**
   * A member of a group must not also be a field of an enclosing level (message body or an outer
   * group): a tag that is not a member of the current group ends it, so such a tag would make the end
   * of the group ambiguous.
   */
  private checkNesting(items: Item[], where: string, level: Map<number, number> = new Map()): void {
    for (const it of items) level.set(it.entry.field.tag, (level.get(it.entry.field.tag) ?? 0) + 1);
    for (const it of items) {
      if (it.kind !== 'group') continue;
      for (const m of it.members) {
        const f = m.entry.field;
        if (level.has(f.tag))
          this.error(m.el, 'name', `tag ${f.tag} (${f.name}) of group ${it.entry.field.name} is also a field of an enclosing level of ${where}: the end of the group would be ambiguous`);
      }
      this.checkNesting(it.members, where, level);
    }
    for (const it of items) {
      const n = level.get(it.entry.field.tag)! - 1;
      if (n === 0) level.delete(it.entry.field.tag);
      else level.set(it.entry.field.tag, n);
    }
  }

  /** Header and trailer fields belong in the header and trailer only. */
  private checkSections(items: Item[], where: string): void {
    for (const it of items) {
      const section = this.sectionOf.get(it.entry.field.tag);
      if (section) this.error(it.el, 'name', `tag ${it.entry.field.tag} (${it.entry.field.name}) is a ${section} field; it cannot be in the body of ${where}`);
      if (it.kind === 'group') this.checkSections(it.members, where);
    }
  }

  private sectionItems(d: FileDoc, section: 'header' | 'trailer'): { el: XElement; items: Item[] } | undefined {
    const el = this.child(d.root, section);
    if (!el) {
      this.error(d.root, undefined, `has no <${section}> section`);
      return undefined;
    }
    const items = this.expandChildren(d, el, true);
    this.checkDuplicates(items, section);
    return { el, items };
  }

  private checkHeader(el: XElement, items: Item[]): void {
    const want = [BEGIN_STRING, BODY_LENGTH, MSG_TYPE];
    const got = items.slice(0, 3).map((i) => i.entry.field.tag);
    if (got.length !== 3 || got.some((t, i) => t !== want[i]) || items.slice(0, 3).some((i) => !i.required))
      this.error(el, undefined, 'must begin with required BeginString (8), BodyLength (9), MsgType (35), in that order');
  }

  private checkTrailer(el: XElement, items: Item[]): void {
    const last = items[items.length - 1];
    if (!last || last.entry.field.tag !== CHECK_SUM || !last.required || last.kind !== 'field')
      this.error(el, undefined, 'must end with required CheckSum (10)');
  }

  private message(d: FileDoc, el: XElement, only: 'admin' | 'app' | undefined): FixMessage | undefined {
    const name = this.attr(el, 'name');
    const msgType = this.attr(el, 'msgtype');
    const cat = this.attr(el, 'msgcat');
    let ok = true;
    if (!name) {
      this.error(el, 'name', 'is required');
      ok = false;
    }
    if (msgType === undefined || msgType === '') {
      this.error(el, 'msgtype', 'is required');
      ok = false;
    } else if (!/^[\x21-\x7e]+$/.test(msgType)) {
      this.error(el, 'msgtype', `"${msgType}" must be printable ASCII without spaces`);
      ok = false;
    }
    if (cat !== 'admin' && cat !== 'app') {
      this.error(el, 'msgcat', cat === undefined ? 'is required (admin or app)' : `must be admin or app, found "${cat}"`);
      ok = false;
    } else if (only && cat !== only) {
      this.error(el, 'msgcat', only === 'admin' ? 'a FIXT transport dictionary defines only admin messages' : 'an application dictionary of a FIXT pair defines only app messages');
      ok = false;
    }
    if (name && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      this.error(el, 'name', `"${name}" is not a valid message name (letters, digits, underscore; not starting with a digit)`);
      ok = false;
    }
    const items = this.expandChildren(d, el, true);
    this.checkDuplicates(items, `message ${name ?? ''}`);
    this.checkNesting(items, `message ${name ?? ''}`);
    this.checkSections(items, `message ${name ?? ''}`);
    if (!ok) return undefined;
    this.messageItems.push(items);
    return { msgType: msgType!, name: name!, category: cat as 'admin' | 'app', members: toMembers(items), source: this.src(el) };
  }

  // ---------------------------------------------------------------- derived facts

  /**
   * A DATA/XMLDATA field's byte count is carried by the LENGTH field right before it. Derive that
   * pairing from where the dictionary uses the field; using one data field after two different
   * LENGTH fields is an error, as is one LENGTH field counting two data fields.
   */
  private pairDataFields(lists: Item[][]): void {
    const lengthOf = new Map<number, { tag: number; el: XElement }>();
    const dataOf = new Map<number, { tag: number; el: XElement }>();
    const walk = (items: Item[]): void => {
      for (let i = 0; i < items.length; i++) {
        const it = items[i]!;
        if (it.kind === 'group') walk(it.members);
        const f = it.entry.field;
        if (!isDataType(f.type) || i === 0) continue;
        const prev = items[i - 1]!.entry.field;
        if (prev.type !== 'LENGTH') continue;
        const known = lengthOf.get(f.tag);
        if (known && known.tag !== prev.tag) {
          this.error(it.el, 'name', `data field "${f.name}" follows LENGTH field ${prev.tag} here but ${known.tag} at ${this.where(known.el)}`);
          continue;
        }
        const counted = dataOf.get(prev.tag);
        if (counted && counted.tag !== f.tag) {
          this.error(it.el, 'name', `LENGTH field "${prev.name}" counts data field ${f.tag} here but ${counted.tag} at ${this.where(counted.el)}`);
          continue;
        }
        lengthOf.set(f.tag, { tag: prev.tag, el: it.el });
        dataOf.set(prev.tag, { tag: f.tag, el: it.el });
      }
    };
    for (const l of lists) walk(l);
    // Component bodies too, so a pairing only visible in an unused component still counts.
    for (const items of this.componentMemo.values()) walk(items);
    for (const [dataTag, len] of lengthOf) this.byTag.get(dataTag)!.field.lengthTag = len.tag;
  }

  /** ApplVerID (1128) value whose description names the application version (e.g. FIX50_SP2 → "9"). */
  private applVerID(v: FixVersion): string | undefined {
    const f = this.byTag.get(APPL_VER_ID)?.field;
    if (!f) return undefined;
    const want = `FIX${v.major}${v.minor}${v.servicePack > 0 ? `SP${v.servicePack}` : ''}`;
    return f.values.find((x) => x.description.replace(/_/g, '') === want)?.value;
  }

  // ---------------------------------------------------------------- helpers

  private attr(el: XElement, name: string): string | undefined {
    return el.hasAttribute(name) ? (el.getAttribute(name) ?? undefined) : undefined;
  }

  private child(el: XElement, tagName: string): XElement | undefined {
    return this.elementChildren(el).find((c) => c.tagName === tagName);
  }

  private elementChildren(el: XElement): XElement[] {
    const out: XElement[] = [];
    for (let c = el.firstChild; c; c = c.nextSibling) if (c.nodeType === ELEMENT_NODE) out.push(c as XElement);
    return out;
  }

  private fileFor(el: XElement): string {
    return (el.ownerDocument && this.fileOfDoc.get(el.ownerDocument)) ?? this.files[0] ?? '';
  }

  private src(el: XElement): { file: string; line: number } {
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

function allItemTags(items: Item[], out: number[] = []): number[] {
  for (const it of items) {
    out.push(it.entry.field.tag);
    if (it.kind === 'group') allItemTags(it.members, out);
  }
  return out;
}

function toMembers(items: Item[]): FixMember[] {
  return items.map((it): FixMember => {
    const f = it.entry.field;
    if (it.kind === 'field') return { kind: 'field', tag: f.tag, name: f.name, required: it.required };
    const members = toMembers(it.members);
    const first = members[0];
    const delimiter = !first ? 0 : first.kind === 'field' ? first.tag : first.countTag;
    return { kind: 'group', countTag: f.tag, name: f.name, required: it.required, delimiter, members };
  });
}

function dedupe(errors: SchemaError[]): SchemaError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const k = `${e.file}:${e.line}:${e.column}:${e.element}:${e.attribute ?? ''}:${e.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
