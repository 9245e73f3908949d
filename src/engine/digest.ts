/**
 * 64-bit FNV-1a in plain JS (no node:crypto: the engine stays pure), over the UTF-16 code units of
 * the strings fed to it (each unit as two bytes, low first, so any string hashes unambiguously).
 * The state is four 16-bit limbs; the multiply by the FNV prime 2^40 + 0x1b3 is done limb-wise.
 *
 * Not cryptographic: it detects divergence between two replays, it does not resist forgery.
 * One instance per digest; not shared.
 */
export class Fnv1a64 {
  // offset basis 0xcbf29ce484222325
  private h0 = 0x2325;
  private h1 = 0x8422;
  private h2 = 0x9ce4;
  private h3 = 0xcbf2;

  private byte(b: number): void {
    const h0 = this.h0 ^ b;
    const t0 = h0 * 0x1b3;
    let t1 = this.h1 * 0x1b3;
    let t2 = this.h2 * 0x1b3 + h0 * 0x100;
    let t3 = this.h3 * 0x1b3 + this.h1 * 0x100;
    t1 += t0 >>> 16;
    t2 += t1 >>> 16;
    t3 += t2 >>> 16;
    this.h0 = t0 & 0xffff;
    this.h1 = t1 & 0xffff;
    this.h2 = t2 & 0xffff;
    this.h3 = t3 & 0xffff;
  }

  /** Feed a string, then a separator unit (0xffff, which no field contains) so fields cannot run together. */
  update(s: string): this {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      this.byte(c & 0xff);
      this.byte(c >>> 8);
    }
    this.byte(0xff);
    this.byte(0xff);
    return this;
  }

  /** Feed raw bytes (for the known-answer test). */
  updateBytes(b: ArrayLike<number>): this {
    for (let i = 0; i < b.length; i++) this.byte(b[i] & 0xff);
    return this;
  }

  /** 16 lowercase hex digits. */
  hex(): string {
    const p = (x: number): string => x.toString(16).padStart(4, '0');
    return p(this.h3) + p(this.h2) + p(this.h1) + p(this.h0);
  }
}
