/**
 * Start-up checks that must pass before the gateway takes traffic: the native module loads and was
 * built from the same SBE schemas as the TypeScript codecs (a mismatch would mis-frame every record).
 */
export interface Check {
  what: string;
  ok: boolean;
  detail: string;
}

export function preflight(): Check[] {
  return [];
}
