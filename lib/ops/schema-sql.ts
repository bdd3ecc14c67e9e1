/**
 * Just enough of PostgreSQL's lexical rules to count the statements of a migration and to find the
 * index a `CREATE INDEX` names: comments, quoted strings, quoted identifiers and dollar quotes are
 * skipped, so a `;` inside them never splits a statement.
 */

/** The statements of a SQL text, without comments, trimmed; empty statements are left out. */
export function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let current = '';
  let i = 0;
  const push = () => {
    if (current.trim()) statements.push(current.trim());
    current = '';
  };
  while (i < sql.length) {
    const c = sql[i];
    const next = sql[i + 1];
    if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end;
      current += ' ';
    } else if (c === '/' && next === '*') {
      i = blockCommentEnd(sql, i);
      current += ' ';
    } else if (c === "'" || c === '"') {
      const escapes = c === "'" && /[eE]$/.test(current) && !/[A-Za-z0-9_$][eE]$/.test(current);
      const end = quotedEnd(sql, i, c, escapes);
      current += sql.slice(i, end);
      i = end;
    } else if (c === '$' && !/[A-Za-z0-9_]$/.test(current)) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      if (tag) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        const end = close < 0 ? sql.length : close + tag[0].length;
        current += sql.slice(i, end);
        i = end;
      } else {
        current += c;
        i += 1;
      }
    } else if (c === ';') {
      push();
      i += 1;
    } else {
      current += c;
      i += 1;
    }
  }
  push();
  return statements;
}

/** Block comments nest in PostgreSQL. */
function blockCommentEnd(sql: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < sql.length) {
    if (sql.startsWith('/*', i)) {
      depth += 1;
      i += 2;
    } else if (sql.startsWith('*/', i)) {
      depth -= 1;
      i += 2;
      if (depth === 0) return i;
    } else {
      i += 1;
    }
  }
  return sql.length;
}

/** A doubled quote stays inside; in an `E'…'` string a backslash escapes the next character. */
function quotedEnd(sql: string, start: number, quote: string, backslashEscapes: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    if (backslashEscapes && sql[i] === '\\') {
      i += 2;
    } else if (sql[i] === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else {
      i += 1;
    }
  }
  return sql.length;
}

const IDENTIFIER = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)`;
const CREATE_INDEX = new RegExp(
  String.raw`^CREATE\s+(?:UNIQUE\s+)?INDEX\s+(CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?(${IDENTIFIER}(?:\s*\.\s*${IDENTIFIER})?)\s+ON\s`,
  'i',
);

/**
 * The index a `CREATE INDEX` statement creates (as written, quotes kept, so `to_regclass` resolves
 * it the way the statement did) and whether it is built concurrently; `undefined` for any other
 * statement or an index without a name.
 */
export function createdIndex(statement: string): { readonly name: string; readonly concurrently: boolean } | undefined {
  const match = CREATE_INDEX.exec(statement.trim());
  // `CREATE INDEX CONCURRENTLY ON t (…)` has no name: the keyword would otherwise read as one.
  if (!match || (!match[1] && /^CONCURRENTLY$/i.test(match[2]))) return undefined;
  return { name: match[2].replace(/\s*\.\s*/, '.'), concurrently: Boolean(match[1]) };
}
