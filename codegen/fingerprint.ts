/**
 * Fingerprint of a schema's IR: a hash of everything that decides the bytes on the wire (descriptions
 * and source locations left out). Every target that records where its code came from uses this one
 * function, so a native build and a TypeScript build can be compared.
 */
import { createHash } from 'node:crypto';
import type { Schema } from './ir.js';

export function schemaFingerprint(schema: Schema): string {
  const json = JSON.stringify(schema, (key, value: unknown) => (key === 'source' || key === 'description' ? undefined : value));
  return createHash('sha256').update(json).digest('hex').slice(0, 16);
}
