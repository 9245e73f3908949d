/**
 * A small XML writer for the ISO 20022 files, the namespaces, and the business-message envelope.
 *
 * Modelled on NSCC's public CNS descriptions and on ISO 20022; not DTCC-certified.
 *
 * The writer appends to one string (V8 ropes; flattened once by `text()`), writes no indentation
 * (one message per line in batch files) and escapes every text and attribute value: `&`, `<`, `>`
 * in text; also `"` and `'` in attributes; CR/TAB/LF as character references where XML would
 * normalise them. A character that XML 1.0 cannot carry (C0 controls other than TAB/LF/CR, U+FFFE/
 * U+FFFF, a lone surrogate) is an error (SETTLEMENT_XML_CHAR), never silently dropped.
 *
 * Envelope (see README.md): a message that carries a business application header is written as
 *   <BizMsg xmlns="urn:x-clearing-gateway:xsd:bizmsg.001"> <AppHdr xmlns="…head.001.001.03">…</AppHdr>
 *     <Document xmlns="…sese.023.001.11">…</Document> </BizMsg>
 * and a file holding several messages as <BizMsgBatch xmlns="…bizmsg.001"> <BizMsg>…</BizMsg>… .
 * `envelopeXsd` generates the schema of that envelope, importing the ISO XSDs in place, so that one
 * xmllint run validates the AppHdr against head.001.001.03 and the Document against its own XSD.
 *
 * Instances of XmlWriter are single-use and owned by the caller's thread.
 */
import { pathToFileURL } from 'node:url';
import * as path from 'node:path';
import { GatewayError } from '../codec/errors.js';
import { SettlementErrorCode } from './types.js';

export const NS = {
  envelope: 'urn:x-clearing-gateway:xsd:bizmsg.001',
  head: 'urn:iso:std:iso:20022:tech:xsd:head.001.001.03',
  secl010: 'urn:iso:std:iso:20022:tech:xsd:secl.010.001.03',
  sese023: 'urn:iso:std:iso:20022:tech:xsd:sese.023.001.11',
  sese024: 'urn:iso:std:iso:20022:tech:xsd:sese.024.001.12',
  sese025: 'urn:iso:std:iso:20022:tech:xsd:sese.025.001.11',
} as const;

/** Message definition identifiers (AppHdr MsgDefIdr) and their XSD file names. */
export const MSG_DEF = {
  secl010: 'secl.010.001.03',
  sese023: 'sese.023.001.11',
  sese024: 'sese.024.001.12',
  sese025: 'sese.025.001.11',
  head: 'head.001.001.03',
} as const;
export type DocKind = 'secl010' | 'sese023' | 'sese024' | 'sese025';

export const XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n';

// XML 1.0 Char production, complement: what must not appear in a document (as UTF-16 code units,
// a lone surrogate is found by the `u` flag failing to pair it).
// eslint-disable-next-line no-control-regex
const BAD_CHAR = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
// eslint-disable-next-line no-control-regex
const TEXT_SPECIAL = /[&<>\r\x00-\x08\x0B\x0C\x0E-\x1F\uD800-\uDFFF\uFFFE\uFFFF]/;
// eslint-disable-next-line no-control-regex
const ATTR_SPECIAL = /[&<>"'\t\n\r\x00-\x08\x0B\x0C\x0E-\x1F\uD800-\uDFFF\uFFFE\uFFFF]/;

function checkChars(s: string): void {
  const m = BAD_CHAR.exec(s);
  if (m)
    throw new GatewayError(
      SettlementErrorCode.XML_CHAR,
      `character U+${m[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} cannot be written in XML 1.0`,
      { text: s, index: m.index },
    );
}

/** Escaped text content. */
export function escapeText(s: string): string {
  if (!TEXT_SPECIAL.test(s)) return s;
  checkChars(s);
  return s.replace(/[&<>\r]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&#13;'));
}

/** Escaped attribute value (to be written between double quotes). */
export function escapeAttr(s: string): string {
  if (!ATTR_SPECIAL.test(s)) return s;
  checkChars(s);
  return s.replace(/[&<>"'\t\n\r]/g, (c) => {
    switch (c) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '"':
        return '&quot;';
      case "'":
        return '&apos;';
      case '\t':
        return '&#9;';
      case '\n':
        return '&#10;';
      default:
        return '&#13;';
    }
  });
}

/** Append-only XML text builder. Tag names are trusted constants of this module's callers. */
export class XmlWriter {
  private s = '';

  /** Raw markup (a declaration, a newline, a pre-built fragment). */
  raw(markup: string): this {
    this.s += markup;
    return this;
  }

  open(tag: string): this {
    this.s += '<' + tag + '>';
    return this;
  }

  /** Start tag with a default namespace declaration. */
  openNs(tag: string, ns: string): this {
    this.s += '<' + tag + ' xmlns="' + escapeAttr(ns) + '">';
    return this;
  }

  close(tag: string): this {
    this.s += '</' + tag + '>';
    return this;
  }

  /** <tag>escaped text</tag> */
  leaf(tag: string, text: string): this {
    this.s += '<' + tag + '>' + escapeText(text) + '</' + tag + '>';
    return this;
  }

  /** <tag>text</tag> for text that cannot need escaping (numbers, codes, dates this module formatted). */
  leafRaw(tag: string, text: string): this {
    this.s += '<' + tag + '>' + text + '</' + tag + '>';
    return this;
  }

  /** Optional leaf: nothing when text is undefined or empty. */
  opt(tag: string, text: string | undefined): this {
    if (text !== undefined && text !== '') this.leaf(tag, text);
    return this;
  }

  text(): string {
    return this.s;
  }
}

/**
 * The envelope schema for messages whose Document is of `kind`: BizMsg = AppHdr (head.001.001.03)
 * + Document (the message's own XSD), and BizMsgBatch = BizMsg+. The ISO XSDs are imported in
 * place by absolute file URL, so the generated file may live anywhere (a temp folder).
 */
export function envelopeXsd(kind: DocKind, xsdDir: string): string {
  const url = (f: string): string => escapeAttr(pathToFileURL(path.resolve(xsdDir, f)).href);
  const docNs = NS[kind];
  return (
    XML_DECL +
    `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:env="${NS.envelope}" xmlns:h="${NS.head}" xmlns:d="${docNs}" ` +
    `targetNamespace="${NS.envelope}" elementFormDefault="qualified">\n` +
    `  <xs:import namespace="${NS.head}" schemaLocation="${url(`${MSG_DEF.head}.xsd`)}"/>\n` +
    `  <xs:import namespace="${docNs}" schemaLocation="${url(`${MSG_DEF[kind]}.xsd`)}"/>\n` +
    `  <xs:complexType name="BizMsg"><xs:sequence><xs:element ref="h:AppHdr"/><xs:element ref="d:Document"/></xs:sequence></xs:complexType>\n` +
    `  <xs:element name="BizMsg" type="env:BizMsg"/>\n` +
    `  <xs:element name="BizMsgBatch"><xs:complexType><xs:sequence><xs:element ref="env:BizMsg" maxOccurs="unbounded"/></xs:sequence></xs:complexType></xs:element>\n` +
    `</xs:schema>\n`
  );
}
