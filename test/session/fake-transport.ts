/** A Transport for deterministic session tests: records what is sent and which connections are closed. */
import { SEND_OK, type ListenResult, type SendResult, type Transport } from '../../src/transport/transport.js';
import { splitFields } from '../conformance/def.js';

export interface Sent {
  id: number;
  fields: Map<string, string>;
  text: string;
}

export class FakeTransport implements Transport {
  readonly kind = 'node' as const;
  readonly sent: Sent[] = [];
  readonly disconnected: number[] = [];
  listen(): Promise<ListenResult> {
    return Promise.reject(new Error('not used'));
  }
  connect(): number {
    return -1;
  }
  send(id: number, bytes: Uint8Array, off: number, len: number): SendResult {
    const text = Buffer.from(bytes.subarray(off, off + len)).toString('latin1');
    this.sent.push({ id, fields: new Map(splitFields(text)), text });
    return SEND_OK;
  }
  disconnect(id: number): void {
    this.disconnected.push(id);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
  /** What was sent since the last take. */
  take(): Sent[] {
    return this.sent.splice(0, this.sent.length);
  }
}
