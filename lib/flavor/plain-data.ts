import type { Problem } from '../errors';

/** Bounds on what a flavor file may hand to `defineFlavor`; a real flavor is a few kilobytes. */
export const PLAIN_DATA_LIMITS = {
  /** Characters of any string value (a description is a sentence, a region a word). */
  maxStringLength: 1000,
  /** Characters of an object key. */
  maxKeyLength: 64,
  /** Items of an array, keys of an object. */
  maxEntries: 100,
  /** Nesting depth below the flavor object. */
  maxDepth: 8,
  /** Values in the whole flavor. */
  maxValues: 5000,
};

const SAFE_KEY = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;

/** A printable, bounded, quoted form of any value for messages: non-ASCII and control characters escaped, long text cut. */
export function show(value: unknown): string {
  if (typeof value === 'string') {
    const cut = value.length > 60 ? `${value.slice(0, 60)}… (${value.length} characters)` : value;
    const escape = (ch: string): string => (ch === "'" ? "\\'" : ch === '…' ? ch : `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
    return `'${cut.replace(/[^\x20-\x7e]|'/g, escape)}'`;
  }
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** `path.key` for an ordinary key, `path["odd key"]` (escaped, cut) for anything else. */
export function joinKey(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  if (SAFE_KEY.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${show(key).replace(/^'|'$/g, '"')}]`;
}

function describeNonData(value: unknown): string | undefined {
  if (typeof value === 'function') return 'is a function';
  if (typeof value === 'symbol') return 'is a symbol';
  if (typeof value === 'bigint') return 'is a BigInt; write a plain number';
  return undefined;
}

/**
 * Copies what a flavor file passed to `defineFlavor` into plain data — objects, arrays, strings,
 * numbers, booleans, null — without running any of its code: getters and setters are reported,
 * not called; proxies, class instances, functions, symbols and cycles are reported; every string,
 * list and object is bounded. Own keys such as `__proto__` or `constructor` stay ordinary data
 * (never a prototype), so the closed-field checks see and reject them. Objects of the copy have no
 * prototype, so nothing inherited (e.g. from a polluted Object.prototype) is read as a field.
 * Validation then works on a value that cannot change between two reads or throw while being read.
 */
export function toPlainData(input: unknown): { value: unknown; problems: Problem[] } {
  const problems: Problem[] = [];
  const ancestors = new Set<object>();
  let values = 0;
  const fail = (path: string, code: string, message: string): undefined => {
    problems.push({ code, path, message, severity: 'error' });
    return undefined;
  };
  const L = PLAIN_DATA_LIMITS;

  function copy(value: unknown, path: string, depth: number): unknown {
    if (++values > L.maxValues) {
      return values === L.maxValues + 1
        ? fail('', 'FLAVOR_FIELD_TOO_LARGE', `the flavor holds more than ${L.maxValues} values; a flavor is a short declaration, not a data file.`)
        : undefined;
    }
    const nonData = describeNonData(value);
    if (nonData) return fail(path, 'FLAVOR_FIELD_NOT_DATA', `${path || 'the flavor'} ${nonData}; a flavor file holds plain values only.`);
    if (typeof value === 'string') {
      return value.length > L.maxStringLength
        ? fail(path, 'FLAVOR_FIELD_TOO_LARGE', `${path} is ${value.length} characters long, over the limit of ${L.maxStringLength}.`)
        : value;
    }
    if (typeof value !== 'object' || value === null) return value;
    if (depth > L.maxDepth) return fail(path, 'FLAVOR_FIELD_TOO_LARGE', `${path} is nested deeper than ${L.maxDepth} levels.`);
    if (ancestors.has(value))
      return fail(path, 'FLAVOR_FIELD_NOT_DATA', `${path} refers back to an object that contains it (a cycle); write the value out.`);
    try {
      return copyObject(value, path, depth);
    } catch (err) {
      // A proxy's traps (ownKeys, getPrototypeOf…) are code too: whatever they throw is reported here.
      return fail(
        path,
        'FLAVOR_FIELD_NOT_DATA',
        `${path || 'the flavor'} cannot be read as plain data (${show(String((err as { message?: unknown })?.message ?? err))}).`,
      );
    } finally {
      ancestors.delete(value);
    }
  }

  function copyObject(value: object, path: string, depth: number): unknown {
    const isArray = Array.isArray(value);
    const proto = Object.getPrototypeOf(value) as object | null;
    // Prototypes of another realm (a flavor loaded in a sandbox) are plain too: compare by shape, not identity.
    const plain = isArray || proto === null || Object.getPrototypeOf(proto) === null;
    if (!plain) {
      const inherits = Object.getPrototypeOf(Object.getPrototypeOf(proto) as object) === null && !Array.isArray(proto);
      return fail(
        path,
        'FLAVOR_FIELD_NOT_DATA',
        inherits
          ? `${path || 'the flavor'} inherits fields from another object (a __proto__ ` +
              `or Object.create prototype); declare every field on the object itself.`
          : `${path || 'the flavor'} is an instance of a class, not a plain object or list; write the values out.`,
      );
    }
    ancestors.add(value);
    const descriptors = Object.getOwnPropertyDescriptors(value);
    const keys = Object.keys(descriptors).filter((k) => descriptors[k].enumerable && !(isArray && k === 'length'));
    const size = isArray ? Math.max(keys.length, (value as unknown[]).length) : keys.length;
    if (size > L.maxEntries)
      return fail(path, 'FLAVOR_FIELD_TOO_LARGE', `${path || 'the flavor'} has ${size} entries, over the limit of ${L.maxEntries}.`);
    // No prototype to read through: a field inherited from a polluted Object.prototype is never seen.
    // Lists are dense, so no index falls through to the prototype either.
    const out: Record<string, unknown> | unknown[] = isArray
      ? Array.from({ length: (value as unknown[]).length }, () => undefined)
      : (Object.create(null) as Record<string, unknown>);
    for (const key of keys) {
      const index = isArray && /^\d+$/.test(key) ? Number(key) : undefined;
      const at = joinKey(path, index ?? key);
      if (key.length > L.maxKeyLength) {
        fail(at, 'FLAVOR_FIELD_TOO_LARGE', `the key ${show(key)} is ${key.length} characters long, over the limit of ${L.maxKeyLength}.`);
        continue;
      }
      const d = descriptors[key];
      if (d.get || d.set) {
        fail(at, 'FLAVOR_FIELD_NOT_DATA', `${at} is a getter or setter, which runs code each time it is read; write the value itself.`);
        continue;
      }
      // defineProperty: a key named __proto__ stays an own data property instead of replacing the prototype.
      Object.defineProperty(out, key, { value: copy(d.value, at, depth + 1), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }

  return { value: copy(input, '', 0), problems };
}
