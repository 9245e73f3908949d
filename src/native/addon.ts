/**
 * Loader of the native addon: build/Release/gateway.node, built by `npm run build:native`
 * (native/src/binding/addon.cc over the C11 core). Everything native is reached through the object
 * returned here; nothing else in src/ requires the .node file.
 *
 * Threads: load on the main thread at start-up; the addon object is stateless (its functions read
 * immutable data compiled into the core), so the same object may be used from any JS thread.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GatewayError } from '../codec/errors.js';

/** Codes thrown by the loader (GatewayError.code). */
export const NativeErrorCode = {
  /** No addon at the expected path: run `npm run build:native`. */
  NATIVE_NOT_BUILT: 'NATIVE_NOT_BUILT',
  /** The file exists but Node could not load it (wrong platform, missing symbol, ...). */
  NATIVE_LOAD_FAILED: 'NATIVE_LOAD_FAILED',
  /** The addon was built from other SBE schemas (or another ABI) than the TS codecs. */
  NATIVE_ABI_MISMATCH: 'NATIVE_ABI_MISMATCH',
} as const;

/** Shape of gw_abi_schema (native/src/core/abi.h) as the addon reports it. */
export interface NativeSchemaAbi {
  /** Folder under native/generated/, the same name as under src/generated/ (e.g. "fixp"). */
  dir: string;
  /** messageSchema package, e.g. "FIXP". */
  package: string;
  schemaId: number;
  version: number;
  semanticVersion: string;
  /** Hash of the schema IR the C codecs were generated from (codegen/fingerprint.ts). */
  fingerprint: string;
}

export interface NativeAbiInfo {
  /** GW_ABI_VERSION of the core; this loader understands SUPPORTED_ABI_VERSION. */
  abiVersion: number;
  schemas: NativeSchemaAbi[];
}

/** The functions the addon exports. */
export interface GatewayAddon {
  /** Which schemas the C codecs compiled into the core were generated from. */
  abiInfo(): NativeAbiInfo;
  /** Text of a generated C codec's error code (the `error` member of a flyweight). */
  codecErrorText(code: number): string;
  /** Symbolic name of a codec error code, e.g. "E_SHORT_BUFFER"; null when unknown. */
  codecErrorName(code: number): string | null;

  // ---- FIX framing/indexing (native/src/binding/fix_binding.cc)
  /**
   * Frames and indexes every complete FIX message of `input` (which starts at a message boundary or at
   * garbage) into ring frames (FixMessage / FixGarbled, 8-byte aligned) in `output` (8-byte aligned).
   * Returns the frames written; state[0] = input bytes consumed, state[1] = output bytes used. Stops
   * early, without error, when output is full. One native call per batch.
   */
  fixFrameBatch(
    input: Uint8Array,
    output: Uint8Array,
    state: Uint32Array,
    limits?: { maxMessageBytes?: number; maxFields?: number },
    firstSequence?: number,
  ): number;
  /** SIMD scanner in use: 'scalar' | 'sse2' | 'avx2'. */
  fixScanImplementation(): string;
  /** Forces a scanner (process-wide; tests and benchmarks only); false when the CPU lacks it. */
  fixScanSelect(name: 'auto' | 'scalar' | 'sse2' | 'avx2'): boolean;
}

export const SUPPORTED_ABI_VERSION = 1;

/** What the TS side was generated from, for one schema (e.g. SCHEMA_ID/SCHEMA_VERSION of src/generated/<dir>). */
export interface ExpectedSchema {
  dir: string;
  schemaId: number;
  version: number;
  package?: string;
  fingerprint?: string;
}

function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

/** Where the addon is looked for: $GATEWAY_ADDON, else <project root>/build/Release/gateway.node. */
export function addonPath(): string {
  return process.env.GATEWAY_ADDON ?? path.join(projectRoot(), 'build', 'Release', 'gateway.node');
}

const loaded = new Map<string, GatewayAddon>();

/** Load (once per path) and return the addon; throws GatewayError NATIVE_NOT_BUILT / NATIVE_LOAD_FAILED. */
export function loadAddon(file: string = addonPath()): GatewayAddon {
  const cached = loaded.get(file);
  if (cached) return cached;
  if (!fs.existsSync(file)) {
    throw new GatewayError(
      NativeErrorCode.NATIVE_NOT_BUILT,
      `native addon not found at ${file}; build it with \`npm run build:native\``,
      { file },
    );
  }
  let addon: GatewayAddon;
  try {
    addon = createRequire(import.meta.url)(file) as GatewayAddon;
  } catch (e) {
    throw new GatewayError(NativeErrorCode.NATIVE_LOAD_FAILED, `cannot load native addon ${file}: ${(e as Error).message}`, { file }, { cause: e });
  }
  for (const fn of ['abiInfo', 'codecErrorText', 'codecErrorName'] as const) {
    if (typeof addon[fn] !== 'function')
      throw new GatewayError(NativeErrorCode.NATIVE_LOAD_FAILED, `native addon ${file} does not export ${fn}()`, { file });
  }
  loaded.set(file, addon);
  return addon;
}

/**
 * Refuse an addon whose C codecs were generated from other schemas than `expected` (the TS side's).
 * Every expected schema must be present with the same id and version (and package / fingerprint
 * when given). Throws GatewayError NATIVE_ABI_MISMATCH naming every difference.
 */
export function verifyAbi(info: NativeAbiInfo, expected: readonly ExpectedSchema[]): void {
  const problems: string[] = [];
  if (info.abiVersion !== SUPPORTED_ABI_VERSION)
    problems.push(`ABI version ${info.abiVersion}, this loader supports ${SUPPORTED_ABI_VERSION}`);
  for (const want of expected) {
    const have = info.schemas.find((s) => s.dir === want.dir);
    if (!have) {
      problems.push(`${want.dir}: not compiled into the addon`);
      continue;
    }
    if (have.schemaId !== want.schemaId) problems.push(`${want.dir}: schema id ${have.schemaId}, expected ${want.schemaId}`);
    if (have.version !== want.version) problems.push(`${want.dir}: version ${have.version}, expected ${want.version}`);
    if (want.package !== undefined && have.package !== want.package)
      problems.push(`${want.dir}: package ${have.package}, expected ${want.package}`);
    if (want.fingerprint !== undefined && have.fingerprint !== want.fingerprint)
      problems.push(`${want.dir}: fingerprint ${have.fingerprint}, expected ${want.fingerprint} (regenerate and rebuild)`);
  }
  if (problems.length > 0) {
    throw new GatewayError(
      NativeErrorCode.NATIVE_ABI_MISMATCH,
      `native addon built from different schemas: ${problems.join('; ')}; run \`npm run generate && npm run build:native\``,
      { problems },
    );
  }
}
