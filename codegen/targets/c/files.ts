/** Common shape of every generated header: banner, include guard, includes. */
import { type Printer, generatedBanner } from '../../printer.js';
import { guard } from './common.js';

export function openHeader(out: Printer, file: string, source: string, includes: readonly string[]): void {
  out.line(generatedBanner(source, '/*', ' */'));
  out.line(`#ifndef ${guard(file)}`);
  out.line(`#define ${guard(file)}`);
  out.line();
  for (const inc of [...new Set(includes)]) out.line(`#include "${inc}"`);
  out.line();
}

export function closeHeader(out: Printer, file: string): void {
  out.line(`#endif /* ${guard(file)} */`);
}
