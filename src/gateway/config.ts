/**
 * gateway.config.json: load and validate before anything starts.
 * Contract: `loadConfig` returns either a config that satisfies config.schema.json, or every problem
 * found, each naming the JSON path, the value found and what was expected. It never throws for bad input.
 */
import * as fs from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import schema from './config.schema.json' with { type: 'json' };

export interface GatewayConfig {
  gateway: { name: string; clearingBusinessDateCalendar?: string };
  journal: { dir: string; durability?: 'fsync' | 'os'; segmentBytes?: number };
  fix: {
    tcp?: { host?: string; port: number };
    tls?: {
      host?: string;
      port: number;
      certFile?: string;
      keyFile?: string;
      caFile?: string;
      requireClientCert?: boolean;
      minVersion?: 'TLSv1.2' | 'TLSv1.3';
    };
    transport?: 'native' | 'node';
    maxMessageBytes?: number;
    maxFields?: number;
    sendBufferBytes?: number;
    slowConsumer?: 'disconnect';
  };
  sbe?: {
    udpFeed?: {
      host?: string;
      port: number;
      backend?: 'kernel' | 'dpdk' | 'efvi';
      multicastGroup?: string;
      receiveBufferBytes?: number;
      dpdkArgs?: string[];
      efviInterface?: string;
    };
  };
  admin: { host?: string; port: number; tokenEnv?: string; tokenFile?: string };
  native?: {
    ringBytes?: number;
    maxFrameBytes?: number;
    idle?: 'spin' | 'yield' | 'park' | 'spin-then-park';
    spinPolls?: number;
    batchLimit?: number;
    netCpu?: number;
    feedCpu?: number;
  };
}

export interface ConfigProblem {
  /** JSON Pointer into the document, e.g. `/fix/tcp/port`; `` for the whole document. */
  path: string;
  found: string;
  expected: string;
}

/** Ring size when native.ringBytes is absent (4 MiB). */
export const DEFAULT_RING_BYTES = 4 * 1024 * 1024;

export type ConfigResult = { ok: true; config: GatewayConfig } | { ok: false; problems: ConfigProblem[] };

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, allowUnionTypes: true });
const validate = ajv.compile<GatewayConfig>(schema);

export function formatProblem(file: string, p: ConfigProblem): string {
  return `${file}: ${p.path === '' ? '(document)' : p.path}: expected ${p.expected}, found ${p.found}`;
}

export function loadConfig(file: string): ConfigResult {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    return { ok: false, problems: [{ path: '', found: (e as NodeJS.ErrnoException).code ?? 'unreadable', expected: 'a readable file' }] };
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return { ok: false, problems: [{ path: '', found: `invalid JSON (${(e as Error).message})`, expected: 'a JSON object' }] };
  }
  return checkConfig(doc);
}

export function checkConfig(doc: unknown): ConfigResult {
  const problems: ConfigProblem[] = [];
  if (!validate(doc)) {
    for (const e of validate.errors ?? []) problems.push(toProblem(doc, e));
  } else {
    const ring = doc.native?.ringBytes;
    if (ring !== undefined && (ring & (ring - 1)) !== 0)
      problems.push({ path: '/native/ringBytes', found: String(ring), expected: 'a power of two' });
    const frame = doc.native?.maxFrameBytes;
    const ringOrDefault = ring ?? DEFAULT_RING_BYTES;
    if (frame !== undefined && frame > ringOrDefault / 2)
      problems.push({ path: '/native/maxFrameBytes', found: String(frame), expected: `at most ringBytes / 2 (${ringOrDefault / 2})` });
    const maxMsg = doc.fix.maxMessageBytes;
    if (frame !== undefined && maxMsg !== undefined && maxMsg > frame / 2)
      problems.push({ path: '/fix/maxMessageBytes', found: String(maxMsg), expected: `at most native.maxFrameBytes / 2 (${frame / 2}): a frame holds the message and its index` });
  }
  return problems.length === 0 ? { ok: true, config: doc as GatewayConfig } : { ok: false, problems };
}

function toProblem(doc: unknown, e: ErrorObject): ConfigProblem {
  let path = e.instancePath;
  let found = describe(valueAt(doc, path));
  let expected = e.message ?? e.keyword;
  if (e.keyword === 'additionalProperties') {
    const extra = (e.params as { additionalProperty: string }).additionalProperty;
    path = `${path}/${extra}`;
    found = `unknown property "${extra}"`;
    expected = 'one of the properties the schema defines';
  } else if (e.keyword === 'required') {
    const missing = (e.params as { missingProperty: string }).missingProperty;
    path = `${path}/${missing}`;
    found = 'nothing';
    expected = `required property "${missing}"`;
  } else if (e.keyword === 'enum') {
    expected = `one of ${JSON.stringify((e.params as { allowedValues: unknown[] }).allowedValues)}`;
  }
  return { path, found, expected };
}

function valueAt(doc: unknown, pointer: string): unknown {
  let v: unknown = doc;
  for (const part of pointer.split('/').slice(1)) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
  }
  return v;
}

function describe(v: unknown): string {
  return v === undefined ? 'nothing' : JSON.stringify(v);
}
