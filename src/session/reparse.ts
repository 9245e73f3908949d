/**
 * Re-indexes stored raw FIX bytes (queued inbound messages, stored outbound messages for resends) into
 * FixMessage views, with one framer per nesting depth (processing a re-indexed message may re-index
 * another, e.g. a queued ResendRequest that reads the store). Framers are allocated once per depth.
 *
 * Thread: owned by the session layer's JS thread.
 */
import { FixFramer, type FixSink } from '../fix/framer.js';
import type { FixMessage } from '../fix/message.js';

export class Reparser implements FixSink {
  private readonly framers: FixFramer[] = [];
  private depth = 0;
  private visit: ((m: FixMessage) => void) | undefined;

  constructor(private readonly maxMessageBytes = 65536, private readonly maxFields = 1024) {}

  /** Calls `visit` with a view of each complete message in `bytes` (valid only during the call). */
  run(bytes: Uint8Array, visit: (m: FixMessage) => void): void {
    if (this.framers.length <= this.depth) this.framers.push(new FixFramer({ maxMessageBytes: this.maxMessageBytes, maxFields: this.maxFields }));
    const f = this.framers[this.depth++];
    const saved = this.visit;
    this.visit = visit;
    try {
      f.push(bytes, this);
    } finally {
      this.visit = saved;
      this.depth--;
    }
  }

  onMessage(view: FixMessage): void {
    this.visit?.(view);
  }

  onGarbled(): void {
    // Stored bytes were framed once already; nothing to report.
  }
}
