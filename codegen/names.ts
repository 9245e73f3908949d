/**
 * Identifier rules shared by every target and by the tests that drive generated code by name.
 * Schema names are kept recognisable: only the first letter's case changes, and a name that is a
 * reserved word of the target language gets a trailing underscore.
 */

const TS_RESERVED = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally for ' +
    'function if import in instanceof new null return super switch this throw true try typeof var void while with ' +
    'as implements interface let package private protected public static yield any boolean constructor declare get ' +
    'module require number set string symbol type from of await async arguments eval undefined NaN Infinity'
  ).split(' '),
);

const C_RESERVED = new Set(
  (
    'auto break case char const continue default do double else enum extern float for goto if inline int long ' +
    'register restrict return short signed sizeof static struct switch typedef union unsigned void volatile while ' +
    '_Alignas _Alignof _Atomic _Bool _Complex _Generic _Imaginary _Noreturn _Static_assert _Thread_local bool true ' +
    'false NULL errno assert'
  ).split(' '),
);

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** True when `name` can be used as an identifier in every target (checked by the validator). */
export function isIdentifier(name: string): boolean {
  return IDENT.test(name);
}

/** TS/JS property or method name: `BoostType` -> `boostType`. */
export function tsProperty(name: string): string {
  const n = name.charAt(0).toLowerCase() + name.slice(1);
  return TS_RESERVED.has(n) ? `${n}_` : n;
}

/** TS/JS class, type or const-object name: `fuelFigures` -> `FuelFigures`. */
export function tsType(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/** C identifier fragment (member functions are `<prefix>_<cName>`); names are kept as written. */
export function cName(name: string): string {
  return C_RESERVED.has(name) ? `${name}_` : name;
}

/** C prefix for a schema package: `group.with.data` -> `group_with_data`. */
export function cPackage(pkg: string): string {
  return pkg.replace(/[^A-Za-z0-9_]/g, '_').toLowerCase();
}

/** File/directory name for a schema package in generated output: `group.with.data` -> `group-with-data`. */
export function packageDir(pkg: string): string {
  return pkg.replace(/[^A-Za-z0-9]+/g, '-').toLowerCase();
}
