/**
 * Secrets are referenced from the configuration, never inlined (ARCHITECTURE.md "Configuration and
 * operation"): a reference names an environment variable or a file, and `resolveSecret` reads it.
 *
 * Contract of resolveSecret(ref, what):
 * - exactly one of `ref.env` / `ref.file` must be set (both is ambiguous, none is nothing to read);
 * - env: the variable's value, exactly (no trimming); unset or empty is an error;
 * - file: the file's content as UTF-8 with ONE trailing newline ("\n" or "\r\n") removed (what
 *   `echo secret > file` leaves); empty after that is an error; larger than 64 KiB is an error (the
 *   reference points at the wrong file); relative paths are resolved against `options.baseDir`
 *   (the configuration file's directory) when given;
 * - a file that group or others may read or write (mode & 0o077) gets a warning (options.warn,
 *   default: a line on stderr) naming the path, the mode and the fix; it is still used.
 * Errors are GatewayError{code: SECRET_*} whose message and context name `what` (the configuration
 * path, e.g. "/admin/tokenFile") and the variable or file, and never the value or any part of it.
 *
 * Stateless; synchronous (start-up only). Any thread.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GatewayError } from '../codec/errors.js';

export const SecretErrorCode = {
  /** Neither or both of env/file given. */
  SECRET_REF: 'SECRET_REF',
  /** The environment variable is not set. */
  SECRET_MISSING: 'SECRET_MISSING',
  /** The file cannot be read (missing, a directory, no permission, too large). */
  SECRET_UNREADABLE: 'SECRET_UNREADABLE',
  /** The value is empty (after removing one trailing newline, for files). */
  SECRET_EMPTY: 'SECRET_EMPTY',
} as const;

export interface SecretRef {
  /** Name of an environment variable holding the secret. */
  env?: string;
  /** Path of a file holding the secret (ideally mode 0600). */
  file?: string;
}

export interface ResolveSecretOptions {
  /** Environment to read (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Directory relative file paths are resolved against (default: the working directory). */
  baseDir?: string;
  /** Where the permission warning goes (default: a line on stderr). */
  warn?: (message: string) => void;
}

/** Largest secret file accepted. */
export const MAX_SECRET_FILE_BYTES = 64 * 1024;

export function resolveSecret(ref: SecretRef, what: string, options: ResolveSecretOptions = {}): string {
  const hasEnv = ref.env !== undefined && ref.env !== '';
  const hasFile = ref.file !== undefined && ref.file !== '';
  if (hasEnv === hasFile) {
    throw new GatewayError(
      SecretErrorCode.SECRET_REF,
      hasEnv ? `${what}: give the secret either as an environment variable or as a file, not both` : `${what}: no secret referenced (expected an environment variable or a file)`,
      { what, env: ref.env, file: ref.file },
    );
  }
  if (hasEnv) return fromEnv(ref.env!, what, options.env ?? process.env);
  return fromFile(options.baseDir === undefined ? path.resolve(ref.file!) : path.resolve(options.baseDir, ref.file!), what, options.warn ?? defaultWarn);
}

function fromEnv(name: string, what: string, env: Readonly<Record<string, string | undefined>>): string {
  const value = env[name];
  if (value === undefined) {
    throw new GatewayError(SecretErrorCode.SECRET_MISSING, `${what}: environment variable ${name} is not set`, { what, env: name });
  }
  if (value.length === 0) {
    throw new GatewayError(SecretErrorCode.SECRET_EMPTY, `${what}: environment variable ${name} is empty`, { what, env: name });
  }
  return value;
}

function fromFile(file: string, what: string, warn: (message: string) => void): string {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    throw unreadable(file, what, e);
  }
  let text: string;
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new GatewayError(SecretErrorCode.SECRET_UNREADABLE, `${what}: secret file ${file} is not a regular file`, { what, file });
    if (st.size > MAX_SECRET_FILE_BYTES) {
      throw new GatewayError(SecretErrorCode.SECRET_UNREADABLE, `${what}: secret file ${file} is ${st.size} bytes, more than ${MAX_SECRET_FILE_BYTES}: is it the right file?`, {
        what,
        file,
        size: st.size,
      });
    }
    const mode = st.mode & 0o777;
    if ((mode & 0o077) !== 0) {
      warn(`${what}: secret file ${file} is accessible by group or others (mode ${mode.toString(8).padStart(4, '0')}); run: chmod 600 ${file}`);
    }
    text = fs.readFileSync(fd, 'utf8');
  } catch (e) {
    if (e instanceof GatewayError) throw e;
    throw unreadable(file, what, e);
  } finally {
    fs.closeSync(fd);
  }
  if (text.endsWith('\r\n')) text = text.slice(0, -2);
  else if (text.endsWith('\n')) text = text.slice(0, -1);
  if (text.length === 0) throw new GatewayError(SecretErrorCode.SECRET_EMPTY, `${what}: secret file ${file} is empty`, { what, file });
  return text;
}

function unreadable(file: string, what: string, e: unknown): GatewayError {
  const code = (e as NodeJS.ErrnoException).code ?? 'error';
  const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'is not readable by this user' : code === 'EISDIR' ? 'is a directory' : `cannot be read (${code})`;
  return new GatewayError(SecretErrorCode.SECRET_UNREADABLE, `${what}: secret file ${file} ${why}`, { what, file, errno: code });
}

function defaultWarn(message: string): void {
  process.stderr.write(`warning: ${message}\n`);
}
