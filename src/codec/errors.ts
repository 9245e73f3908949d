/**
 * Typed errors for the edges of the gateway.
 *
 * Convention (ARCHITECTURE.md, "Conventions"): the hot path returns codes and sentinels and never
 * throws; the edges (configuration, admin, CLI, reference-data load, anything that builds a value
 * object from untrusted text) throw a `GatewayError` whose `code` is a stable, greppable
 * UPPER_SNAKE string, prefixed by its area (`DECIMAL_`, `TIMESTAMP_`, `ID_`, ...). Tests and callers
 * branch on `code`, never on `message`, which is for humans and may change.
 *
 * Stateless; safe on any thread.
 */

/** Codes thrown by src/codec. Other areas define their own, following the same pattern. */
export const CodecErrorCode = {
  /** Not a FIX decimal: empty, bad character, no digits, more than one point or sign. */
  DECIMAL_SYNTAX: 'DECIMAL_SYNTAX',
  /** The value cannot be represented at the requested exponent without rounding (rounding = UNNECESSARY). */
  DECIMAL_PRECISION: 'DECIMAL_PRECISION',
  /** The mantissa does not fit int64 (or a JS safe integer on the number path). */
  DECIMAL_OVERFLOW: 'DECIMAL_OVERFLOW',
  /** An exponent outside the supported range, or a text longer than the parser accepts. */
  DECIMAL_RANGE: 'DECIMAL_RANGE',
  /** Not a FIX UTCTimestamp / LocalMktDate: wrong length, separators or characters. */
  TIMESTAMP_SYNTAX: 'TIMESTAMP_SYNTAX',
  /** Well-formed but not a real date or time (month 13, 30 February, 25:00, ...). */
  TIMESTAMP_INVALID: 'TIMESTAMP_INVALID',
  /** A real date or time outside what the binary encoding can carry (before 1970, after 2554 / 2149). */
  TIMESTAMP_RANGE: 'TIMESTAMP_RANGE',
  /** An identifier with the wrong length or characters for its kind. */
  ID_SYNTAX: 'ID_SYNTAX',
  /** An identifier whose check digit(s) do not match. */
  ID_CHECK_DIGIT: 'ID_CHECK_DIGIT',
  /** A numeric identifier outside its range (0, negative, the SBE null value, too large). */
  ID_RANGE: 'ID_RANGE',
} as const;

export type CodecErrorCode = (typeof CodecErrorCode)[keyof typeof CodecErrorCode];

/** Context values are kept JSON-friendly (bigint is rendered as a decimal string by `toJSON`). */
export type ErrorContext = Readonly<Record<string, unknown>>;

export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  /** Stable machine-readable code, e.g. `DECIMAL_SYNTAX`. */
  readonly code: string;
  /** What was being processed: the offending value, the field, limits. Never secrets. */
  readonly context: ErrorContext;

  constructor(code: string, message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options);
    this.code = code;
    this.context = context;
  }

  /** JSON form for logs and the admin API; bigints become decimal strings. */
  toJSON(): { name: string; code: string; message: string; context: Record<string, unknown> } {
    const context: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(this.context)) context[k] = typeof v === 'bigint' ? v.toString() : v;
    return { name: this.name, code: this.code, message: this.message, context };
  }
}

/** True when `e` is a GatewayError (and, if given, has that code). */
export function isGatewayError(e: unknown, code?: string): e is GatewayError {
  return e instanceof GatewayError && (code === undefined || e.code === code);
}
