/** Small helpers shared by the codec tests (not a test file itself). */
import { isGatewayError } from '../../src/codec/errors.js';

/** ASCII/UTF-8 bytes of a string. */
export const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

/** The GatewayError code `fn` throws; undefined if it returns; a marker string for other errors. */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isGatewayError(e) ? e.code : `not a GatewayError: ${String(e)}`;
  }
  return undefined;
}
