/**
 * PostgreSQL connections of the tools that touch data (space move, schema rollouts, dev-replica
 * masking). A connections file maps `"<flavor>/<region>/<database>"` to a PostgreSQL URL; a key
 * without an entry goes to the fallback resolver (in AWS: the endpoint and its Secrets Manager
 * secret). Passwords never leave this module: every message shows URLs through `redactUrl`.
 */
import * as fs from 'fs';
import { Client } from 'pg';
import { FlavorsError } from '../errors';

/** Where a database lives: one database of one flavor in one region. */
export interface DatabaseRef {
  readonly flavor: string;
  readonly region: string;
  readonly database: string;
}

/** The key of a database in a connections file: `<flavor>/<region>/<database>`. */
export function connectionKey(ref: DatabaseRef): string {
  return `${ref.flavor}/${ref.region}/${ref.database}`;
}

/** Finds the URL of a database that has no entry in the file; `undefined` when it cannot. */
export type FallbackResolver = (ref: DatabaseRef) => Promise<string | undefined>;

/** Resolves a database to a PostgreSQL URL, or fails with `CONNECTION_MISSING` naming the key. */
export type ConnectionResolver = (ref: DatabaseRef) => Promise<string>;

/** The default connections file, relative to the working directory. */
export const DEFAULT_CONNECTIONS_FILE = '.flavors/connections.json';

const KEY = /^[a-z0-9][a-z0-9-]*\/[a-z]{2}(-[a-z]+)+-\d\/[A-Za-z][A-Za-z0-9_-]*$/;

/**
 * Reads a connections file. A missing file is an empty map when `required` is false (the default
 * file need not exist); otherwise, and for any malformed content, one error naming the file and key.
 */
export function loadConnectionsFile(file: string, options: { required?: boolean } = {}): ReadonlyMap<string, string> {
  if (!fs.existsSync(file)) {
    if (options.required)
      throw new FlavorsError(
        'CONNECTIONS_FILE_MISSING',
        `${file}: no such file; pass --connections <file> with a JSON object of "<flavor>/<region>/<database>": "postgresql://…".`,
      );
    return new Map();
  }
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf-8'));
  } catch {
    throw new FlavorsError(
      'CONNECTIONS_FILE_INVALID',
      `${file}: not valid JSON; write one object of "<flavor>/<region>/<database>": "postgresql://…".`,
    );
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new FlavorsError('CONNECTIONS_FILE_INVALID', `${file}: expected one JSON object of "<flavor>/<region>/<database>": "postgresql://…".`);
  }
  const map = new Map<string, string>();
  for (const [key, value] of Object.entries(json)) {
    if (!KEY.test(key)) {
      throw new FlavorsError(
        'CONNECTIONS_KEY_INVALID',
        `${file}: key '${key}' is not "<flavor>/<region>/<database>" (e.g. "global/us-east-1/ledger").`,
      );
    }
    if (typeof value !== 'string' || !/^postgres(ql)?:\/\//.test(value)) {
      throw new FlavorsError('CONNECTIONS_URL_INVALID', `${file}: ${key}: expected a postgresql:// URL.`);
    }
    map.set(key, value);
  }
  return map;
}

/** A resolver over a connections map, then the fallback (if any). */
export function connectionResolver(connections: ReadonlyMap<string, string>, fallback?: FallbackResolver): ConnectionResolver {
  return async (ref) => {
    const key = connectionKey(ref);
    const url = connections.get(key) ?? (fallback ? await fallback(ref) : undefined);
    if (!url) {
      throw new FlavorsError(
        'CONNECTION_MISSING',
        `no connection for ${key}; add "${key}": "postgresql://…" to the connections file (--connections) or run with AWS credentials.`,
      );
    }
    return url;
  };
}

/** The URL with its password replaced by `***`, for any message, log line or state file. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
  }
}

/** Removes every occurrence of the URL's password from a text (driver errors may echo it). */
export function redactSecrets(text: string, url: string): string {
  let password = '';
  try {
    password = decodeURIComponent(new URL(url).password);
  } catch {
    password = '';
  }
  return password ? text.split(password).join('***') : text;
}

/**
 * Opens a `pg` client to the database; an unreachable or refusing database is one
 * `CONNECTION_FAILED` line naming the key (never the password).
 */
export async function connect(ref: DatabaseRef, url: string, options: { connectTimeoutMs?: number } = {}): Promise<Client> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: options.connectTimeoutMs ?? 10000 });
  // An idle client whose server goes away emits 'error'; without a listener that crashes the process.
  client.on('error', () => undefined);
  try {
    await client.connect();
    return client;
  } catch (err) {
    await client.end().catch(() => undefined);
    const why = redactSecrets(err instanceof Error ? err.message : String(err), url);
    throw new FlavorsError(
      'CONNECTION_FAILED',
      `cannot connect to ${connectionKey(ref)} (${redactUrl(url)}): ${why}; check the connections file or that the database is up.`,
    );
  }
}
