/**
 * gateway.config.json: load and validate before anything starts.
 * Contract: `loadConfig` returns either a config that satisfies config.schema.json, or every problem
 * found, each naming the JSON path, the value found and what was expected. It never throws for bad input.
 */
import * as fs from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import { daysInMonth } from '../codec/timestamp.js';
import type { EngineConfig } from '../engine/types.js';
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
    /** Our CompID for sessions that do not set their own (schema default "CCP"). */
    senderCompId?: string;
    sessions?: FixSessionConfig[];
    failedLogon?: { delayMs?: number; maxDelayMs?: number };
    logonTimeoutMs?: number;
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
  /** The clearing engine; absent = the gateway runs without an engine (see ClearingConfig). */
  clearing?: ClearingConfig;
}

/**
 * `clearing` (config.schema.json): the engine's settings and its reference data files. Optional in the
 * schema so that session-only configurations (tests, the acceptance server) load; the embedded defaults
 * have it. Without it the gateway composes no engine: `engineConfig` returns undefined.
 */
export interface ClearingConfig {
  /** Reference data files, relative to the configuration file's directory (gateway/refdata.ts). */
  refdata: { securities: string; members: string; calendar: string; scenarios: string; collateral: string };
  /** yyyy-mm-dd; default today in `timeZone` (gateway/refdata.ts `resolveBusinessDate`). */
  businessDate?: string;
  /** IANA zone; schema default America/New_York. */
  timeZone?: string;
  /** Schema default 'reject'. */
  onRiskBreach?: 'reject' | 'marginCall';
  /** Schema defaults: confidenceBps 9900, mporDays 2, gapTopN 5, gapAddOnBps 300. */
  margin?: { confidenceBps?: number; mporDays?: number; gapTopN?: number; gapAddOnBps?: number };
  /** Schema default 2. */
  unmatchedAgeDays?: number;
}

/** Defaults of `clearing` (the same as config.schema.json's), for documents that did not pass `checkConfig`. */
export const CLEARING_DEFAULTS = {
  timeZone: 'America/New_York',
  onRiskBreach: 'reject',
  margin: { confidenceBps: 9900, mporDays: 2, gapTopN: 5, gapAddOnBps: 300 },
  unmatchedAgeDays: 2,
} as const;

/** One member session (config.schema.json#/definitions/fixSession). */
export interface FixSessionConfig {
  sessionId: number;
  member: string;
  beginString: 'FIX.4.4' | 'FIXT.1.1';
  defaultApplVerId?: '9';
  senderCompId?: string;
  targetCompId: string;
  credentials?: { passwordHash?: string; username?: string; tlsSubject?: string };
  heartbeat?: { minSeconds: number; maxSeconds: number };
  schedule?: { timeZone?: string; start: string; end: string; weekdays?: Weekday[] };
  reset?: 'never' | 'onLogon' | 'daily';
  nextExpectedMsgSeqNum?: boolean;
  sendingTimeToleranceMs?: number;
  throttle?: { messagesPerSecond: number; burst?: number };
}

export type Weekday = 'Mon' | 'Tue' | 'Wed' | 'Thu' | 'Fri' | 'Sat' | 'Sun';

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
    checkSessions(doc, problems);
    checkClearing(doc, problems);
  }
  return problems.length === 0 ? { ok: true, config: doc as GatewayConfig } : { ok: false, problems };
}

/** Cross-field rules of fix.sessions that JSON Schema cannot state. */
function checkSessions(doc: GatewayConfig, problems: ConfigProblem[]): void {
  const ids = new Map<number, number>();
  const keys = new Map<string, number>();
  const fallback = doc.fix.senderCompId ?? 'CCP';
  (doc.fix.sessions ?? []).forEach((s, i) => {
    const at = `/fix/sessions/${i}`;
    const firstId = ids.get(s.sessionId);
    if (firstId !== undefined) problems.push({ path: `${at}/sessionId`, found: String(s.sessionId), expected: `a sessionId no other session uses (sessions/${firstId} has it)` });
    else ids.set(s.sessionId, i);
    const key = `${s.beginString}:${s.senderCompId ?? fallback}->${s.targetCompId}`;
    const firstKey = keys.get(key);
    if (firstKey !== undefined) problems.push({ path: `${at}/targetCompId`, found: JSON.stringify(s.targetCompId), expected: `a session (BeginString, CompIDs) not configured twice (sessions/${firstKey} is ${key})` });
    else keys.set(key, i);
    if (s.defaultApplVerId !== undefined && s.beginString !== 'FIXT.1.1')
      problems.push({ path: `${at}/defaultApplVerId`, found: JSON.stringify(s.defaultApplVerId), expected: 'nothing: DefaultApplVerID exists only with beginString FIXT.1.1' });
    if (s.heartbeat && s.heartbeat.minSeconds > s.heartbeat.maxSeconds)
      problems.push({ path: `${at}/heartbeat/minSeconds`, found: String(s.heartbeat.minSeconds), expected: `at most maxSeconds (${s.heartbeat.maxSeconds})` });
    if (s.credentials?.tlsSubject !== undefined && doc.fix.tls?.requireClientCert !== true)
      problems.push({ path: `${at}/credentials/tlsSubject`, found: JSON.stringify(s.credentials.tlsSubject), expected: 'fix.tls.requireClientCert = true (a subject can only be bound to a verified client certificate)' });
    const tz = s.schedule?.timeZone;
    if (tz !== undefined && !isTimeZone(tz)) problems.push({ path: `${at}/schedule/timeZone`, found: JSON.stringify(tz), expected: 'an IANA time zone (e.g. "America/New_York", "UTC")' });
    if (s.schedule && hmsSeconds(s.schedule.start) === hmsSeconds(s.schedule.end)) problems.push({ path: `${at}/schedule/end`, found: JSON.stringify(s.schedule.end), expected: 'a time different from start' });
  });
}

/** Cross-field and value rules of `clearing` that JSON Schema cannot state (files are checked by gateway/refdata.ts). */
function checkClearing(doc: GatewayConfig, problems: ConfigProblem[]): void {
  const c = doc.clearing;
  if (c === undefined) return;
  if (c.timeZone !== undefined && !isTimeZone(c.timeZone))
    problems.push({ path: '/clearing/timeZone', found: JSON.stringify(c.timeZone), expected: 'an IANA time zone (e.g. "America/New_York", "UTC")' });
  if (c.businessDate !== undefined && isoDateToYmd(c.businessDate) === undefined)
    problems.push({ path: '/clearing/businessDate', found: JSON.stringify(c.businessDate), expected: 'a real calendar date yyyy-mm-dd (1970-01-01 .. 2149-12-31)' });
}

/**
 * `yyyy-mm-dd` → yyyymmdd integer (e.g. 20261124), or undefined when it is not a real date in
 * 1970..2149 (the range of the FIX LocalMktDate the wire carries).
 */
export function isoDateToYmd(text: string): number | undefined {
  const m = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/.exec(text);
  if (m === null) return undefined;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (y < 1970 || y > 2149 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return undefined;
  return y * 10000 + mo * 100 + d;
}

/**
 * The engine's settings from a checked configuration, defaults applied; undefined when the
 * configuration has no `clearing` section (the gateway then runs without an engine).
 */
export function engineConfig(config: GatewayConfig): EngineConfig | undefined {
  const c = config.clearing;
  if (c === undefined) return undefined;
  const d = CLEARING_DEFAULTS;
  return {
    onRiskBreach: c.onRiskBreach ?? d.onRiskBreach,
    margin: {
      confidenceBps: c.margin?.confidenceBps ?? d.margin.confidenceBps,
      mporDays: c.margin?.mporDays ?? d.margin.mporDays,
      gapTopN: c.margin?.gapTopN ?? d.margin.gapTopN,
      gapAddOnBps: c.margin?.gapAddOnBps ?? d.margin.gapAddOnBps,
    },
    unmatchedAgeDays: c.unmatchedAgeDays ?? d.unmatchedAgeDays,
  };
}

/** "HH:MM" or "HH:MM:SS" (schema-checked) as seconds since midnight. */
export function hmsSeconds(hms: string): number {
  const [h, m, sec] = hms.split(':').map(Number);
  return h! * 3600 + m! * 60 + (sec ?? 0);
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
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
