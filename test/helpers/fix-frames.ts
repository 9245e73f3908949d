/**
 * Test helpers for the TS FIX framer: run bytes through a FixFramer and keep copies of what it
 * reported (views are valid only during the sink call).
 */
import { FixFramer, type FixFramerLimits } from '../../src/fix/framer.js';
import type { FixMessage } from '../../src/fix/message.js';

export interface IndexedField {
  tag: number;
  value: string;
  next: number;
}

export type FramerEvent =
  | {
      kind: 'message';
      /** The whole index payload (header + fields + raw), copied. */
      payload: Uint8Array;
      msgType: string;
      dictionary: number;
      problem: number;
      problemTag: number;
      problemField: number;
      fields: IndexedField[];
    }
  | { kind: 'garbled'; reason: number; offset: number; length: number };

export function describe(v: FixMessage): FramerEvent {
  const fields: IndexedField[] = [];
  for (let i = 0; i < v.fieldCount; i++) fields.push({ tag: v.tagAt(i), value: v.stringAt(i), next: v.nextAt(i) });
  const payloadLength = 16 + v.fieldCount * 16 + v.rawLength;
  const start = v.rawOffset - 16 - v.fieldCount * 16;
  return {
    kind: 'message',
    payload: v.buffer.slice(start, start + payloadLength),
    msgType: v.msgType,
    dictionary: v.dictionary,
    problem: v.problem,
    problemTag: v.problemTag,
    problemField: v.problemField,
    fields,
  };
}

/** Feed `chunks` to a new framer (or `framer`); every event, copied. */
export function frame(chunks: Uint8Array[], limits?: FixFramerLimits, framer = new FixFramer(limits)): FramerEvent[] {
  const events: FramerEvent[] = [];
  const sink = {
    onMessage: (v: FixMessage) => void events.push(describe(v)),
    onGarbled: (reason: number, offset: number, length: number) => void events.push({ kind: 'garbled', reason, offset, length }),
  };
  for (const c of chunks) framer.push(c, sink);
  return events;
}

export function bytes(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s.replace(/\|/g, '\x01'), 'latin1'));
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Compact text of a message event's fields: `tag=value>next` joined by spaces. */
export function fieldsText(e: FramerEvent): string {
  return e.kind === 'message' ? e.fields.map((f) => `${f.tag}=${f.value.replace(/\x01/g, '|')}>${f.next}`).join(' ') : `garbled ${e.reason}`;
}
