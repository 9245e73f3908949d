/**
 * Dev-time oracles for the FIX index differential test: fixparser 5.7.7 (proprietary licence: test
 * oracle and benchmark peer only, never imported from src/) and jspurefix 5.11.4 (MIT, AsciiParser).
 *
 * jspurefix reads our QuickFIX dictionaries from the shared reference data (its DefinitionFactory
 * understands QuickFIX XML): FIX44.xml for FIX.4.4 and FIX50SP2.xml for FIXT.1.1, so its own
 * dictionary zip (data/fix_repo.zip, whose postinstall unpack npm blocks) is not needed.
 * Its tokens carry (tag, start, len) into the parsed bytes, so values are compared byte for byte.
 */
import 'reflect-metadata';
import { createRequire } from 'node:module';
import { refdata } from './refdata.js';

const require = createRequire(import.meta.url);

export interface OracleField {
  tag: number;
  /** Value as the oracle reports it (fixparser converts some types to numbers). */
  value: string | number | boolean;
}

// ---- fixparser

interface FixParserField {
  tag: number;
  value: unknown;
}
interface FixParserMessage {
  data: FixParserField[];
}
let fixparser: { parse(s: string): FixParserMessage[] } | undefined;

export async function fixparserFields(bytes: Uint8Array): Promise<OracleField[][]> {
  if (!fixparser) {
    const name = 'fixparser'; // a variable specifier: fixparser's typings do not resolve under its package exports
    const mod = (await import(name)) as unknown as { FIXParser: new () => { parse(s: string): FixParserMessage[] } };
    fixparser = new mod.FIXParser();
  }
  const msgs = fixparser.parse(Buffer.from(bytes).toString('latin1'));
  return msgs.map((m) => m.data.map((f) => ({ tag: f.tag, value: f.value as string | number | boolean })));
}

// ---- jspurefix

interface TagPos {
  tag: number;
  start: number;
  len: number;
}
interface JsParser {
  on(ev: 'msg', cb: (msgType: string, view: { structure: { tags: { nextTagPos: number; tagPos: TagPos[] } } }) => void): void;
  on(ev: 'error', cb: (e: Error) => void): void;
  parseBuffer(b: Buffer): void;
}

export interface JspurefixOracle {
  /** Every message jspurefix emits for `bytes` (tags with their value bytes), and errors. */
  parse(bytes: Uint8Array): { messages: OracleField[][]; errors: string[] };
  /** A parser to benchmark: parse a buffer, count messages. */
  parser: JsParser;
}

const jspCache = new Map<string, Promise<JspurefixOracle>>();

/** jspurefix AsciiParser configured with the QuickFIX dictionary for `beginString`. */
export function jspurefix(beginString: 'FIX.4.4' | 'FIXT.1.1'): Promise<JspurefixOracle> {
  let p = jspCache.get(beginString);
  if (!p) {
    p = makeJspurefix(beginString);
    jspCache.set(beginString, p);
  }
  return p;
}

async function makeJspurefix(beginString: string): Promise<JspurefixOracle> {
  const jsp = require('jspurefix') as Record<string, any>;
  const { makeSessionScope } = require('jspurefix/dist/runtime/session-scope.js') as Record<string, any>;
  const dict = refdata('fix', 'dictionaries', beginString === 'FIX.4.4' ? 'FIX44.xml' : 'FIX50SP2.xml');
  const sys = new jsp.SessionContainer();
  sys.registerGlobal('error');
  const description = {
    application: { protocol: 'ascii', name: 'oracle', reconnectSeconds: 0, type: 'initiator', dictionary: dict },
    SenderCompId: 'A',
    TargetCompId: 'B',
    BeginString: beginString,
    HeartBtInt: 30,
  };
  const container = await sys.makeSystem(description);
  const config = container.resolve(jsp.DITokens.IJsFixConfig);
  config.definitions = await new jsp.DefinitionFactory().getDefinitions(dict);
  config.delimiter = 1;
  const scoped = makeSessionScope(config);
  const buffer = scoped.sessionContainer.resolve(jsp.DITokens.ParseBuffer);
  const parser = new jsp.AsciiParser(scoped, null, buffer) as JsParser;
  let messages: OracleField[][] = [];
  let errors: string[] = [];
  let current: Buffer = Buffer.alloc(0);
  parser.on('msg', (_t, view) => {
    const tags = view.structure.tags;
    const fields: OracleField[] = [];
    // positions are relative to the start of the message; the oracle is fed one message at a time
    for (let i = 0; i < tags.nextTagPos; i++) {
      const tp = tags.tagPos[i]!;
      fields.push({ tag: tp.tag, value: current.toString('latin1', tp.start, tp.start + tp.len) });
    }
    messages.push(fields);
  });
  parser.on('error', (e) => errors.push(e.message));
  return {
    parser,
    parse(bytes: Uint8Array) {
      messages = [];
      errors = [];
      current = Buffer.from(bytes);
      try {
        parser.parseBuffer(current);
      } catch (e) {
        errors.push((e as Error).message);
      }
      return { messages, errors };
    },
  };
}
