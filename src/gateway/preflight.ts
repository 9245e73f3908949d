/**
 * Start-up checks that must pass before the gateway takes traffic: the native module loads and was
 * built from the same SBE schemas as the TypeScript codecs (a mismatch would mis-frame every ring
 * frame and journal record). Runs once, on the main thread, before anything else starts.
 */
import * as clearing from '../generated/clearing/index.js';
import * as internal from '../generated/gateway-internal/index.js';
import * as fixp from '../generated/fixp/index.js';
import { type ExpectedSchema, loadAddon, verifyAbi } from '../native/addon.js';
import { type FeedBackendName, feedBackends } from '../native/feed.js';
import type { GatewayConfig } from './config.js';

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

/** Config name of a feed backend → the addon's name for it. */
const FEED_BACKEND: Record<'kernel' | 'dpdk' | 'efvi', FeedBackendName> = { kernel: 'udp', dpdk: 'dpdk', efvi: 'efvi' };

/**
 * The native module's ABI, and (given the configuration) that what it asks for is built in: the FIX
 * scanner in use and the configured SBE/UDP feed backend (DPDK and ef_vi are optional build parts).
 */
export function preflight(config?: GatewayConfig): Check[] {
  let addon;
  try {
    addon = loadAddon();
    const info = addon.abiInfo();
    verifyAbi(info, EXPECTED_SCHEMAS);
    const names = info.schemas.map((s) => `${s.package} ${s.schemaId} v${s.version}`).join(', ');
    const checks: Check[] = [{ what: 'native module', ok: true, detail: `ABI ${info.abiVersion}; schemas ${names}` }];
    if (config === undefined) return checks;
    checks.push({
      what: 'FIX transport',
      ok: true,
      detail: `${config.fix.transport ?? 'native'}; FIX scanner ${addon.fixScanImplementation()}`,
    });
    const feed = config.sbe?.udpFeed;
    if (feed !== undefined) {
      const want = feed.backend ?? 'kernel';
      const built = feedBackends(addon);
      const ok = built.includes(FEED_BACKEND[want]);
      checks.push({
        what: 'SBE/UDP feed',
        ok,
        detail: ok
          ? `backend ${want}; built in: ${built.join(', ')}`
          : `backend "${want}" (sbe.udpFeed.backend) is not built into the native module; built in: ${built.join(', ')}`,
      });
    }
    return checks;
  } catch (e) {
    return [{ what: 'native module', ok: false, detail: (e as Error).message }];
  }
}
