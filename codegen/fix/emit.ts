/** Small helpers shared by the FIX targets for printing long tables. */
import type { Printer } from '../printer.js';

/** Print `items` (already rendered) comma-separated, wrapped to about `width` columns. */
export function wrapItems(p: Printer, items: readonly string[], width = 110): void {
  let line = '';
  for (const it of items) {
    const next = line === '' ? `${it},` : `${line} ${it},`;
    if (next.length > width && line !== '') {
      p.line(line);
      line = `${it},`;
    } else line = next;
  }
  if (line !== '') p.line(line);
}

export function maxOf(values: readonly number[]): number {
  let m = 0;
  for (const v of values) if (v > m) m = v;
  return m;
}

/** Whether every value fits 16 bits unsigned (else 32). */
export function fits16(values: readonly number[]): boolean {
  return maxOf(values) <= 0xffff;
}
