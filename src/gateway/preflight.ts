/**
 * Start-up checks that must pass before the gateway takes traffic: the native module loads and was
 * built from the same SBE schemas as the TypeScript codecs (a mismatch would mis-frame every ring
 * frame and journal record). Runs once, on the main thread, before anything else starts.
 */
import * as clearing from '../generated/clearing/index.js';
import * as internal from '../generated/gateway-internal/index.js';
import * as fixp from '../generated/fixp/index.js';
import { type ExpectedSchema, loadAddon, verifyAbi } from '../native/addon.js';

export interface Check {
  what: string;
  ok: boolean;
  detail: string;
}

/** The schemas the TypeScript side was generated from, as the native side names them. */
export const EXPECTED_SCHEMAS: readonly ExpectedSchema[] = [
  { dir: 'clearing', schemaId: clearing.SCHEMA_ID, version: clearing.SCHEMA_VERSION, package: clearing.SCHEMA_PACKAGE },
  { dir: 'gateway-internal', schemaId: internal.SCHEMA_ID, version: internal.SCHEMA_VERSION, package: internal.SCHEMA_PACKAGE },
  { dir: 'fixp', schemaId: fixp.SCHEMA_ID, version: fixp.SCHEMA_VERSION, package: fixp.SCHEMA_PACKAGE },
];

export function preflight(): Check[] {
  try {
    const info = loadAddon().abiInfo();
    verifyAbi(info, EXPECTED_SCHEMAS);
    const names = info.schemas.map((s) => `${s.package} ${s.schemaId} v${s.version}`).join(', ');
    return [{ what: 'native module', ok: true, detail: `ABI ${info.abiVersion}; schemas ${names}` }];
  } catch (e) {
    return [{ what: 'native module', ok: false, detail: (e as Error).message }];
  }
}
