/**
 * Assembly of one generated class: statics, private state, nested flyweights, then members.
 * Members are printed into their own Printer first, because emitting them is what discovers the
 * nested flyweights the class must declare.
 */
import { Printer } from '../../printer.js';
import type { ClassCtx } from './accessors.js';
import { type FileBuilder, Members, doc } from './util.js';

export function newClass(
  file: FileBuilder,
  role: 'decoder' | 'encoder',
  owner: string,
  reserved: readonly string[],
  reservedStatics: readonly string[],
): ClassCtx {
  return {
    file,
    p: new Printer(),
    sp: new Printer(),
    role,
    members: new Members(owner, reserved),
    statics: new Members(`${owner} (static)`, reservedStatics),
    base: 'this.#offset',
    owner,
    nested: [],
  };
}

function append(p: Printer, sub: Printer): void {
  const text = sub.toString().replace(/\n+$/, '');
  if (text === '') return;
  const lines = text.split('\n');
  lines.forEach((l, i) => {
    p.line(l);
    // A blank line after each member (its closing brace sits at depth 0 of the sub-printer).
    if (l === '}' && i + 1 < lines.length && lines[i + 1] !== '') p.line();
  });
}

export interface ClassParts {
  name: string;
  docParas: ReadonlyArray<string | undefined>;
  /** Private state declarations, e.g. `#offset = 0;`. */
  state: readonly string[];
  /** Constructor lines (params, body), if the class needs one. */
  ctor?: { params: string; body: readonly string[] };
}

export function printClass(file: FileBuilder, c: ClassCtx, parts: ClassParts): void {
  const p = file.body;
  // A class with only single-byte members never reads its DataView: leave it out entirely, so the
  // output also passes noUnusedLocals.
  let methods = c.p;
  let state = parts.state;
  if (!/this\.#view[.,]/.test(c.p.toString())) {
    state = state.filter((l) => !l.startsWith('#view:'));
    methods = new Printer();
    const kept = c.p
      .toString()
      .replace(/\n+$/, '')
      .split('\n')
      .filter((l) => l.trim() !== 'this.#view = viewOf(buffer);');
    methods.lines_(kept);
  }
  p.line();
  doc(p, parts.docParas);
  p.block(`export class ${parts.name} {`, () => {
    append(p, c.sp);
    if (c.sp.toString() !== '\n') p.line();
    for (const s of state) p.line(s);
    for (const n of c.nested) p.line(`readonly #${n.field} = new ${n.cls}();`);
    if (parts.ctor) {
      p.line();
      p.block(`constructor(${parts.ctor.params}) {`, () => p.lines_(parts.ctor!.body));
    }
    if (methods.toString() !== '\n') p.line();
    append(p, methods);
  });
}
