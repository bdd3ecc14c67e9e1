import type * as ts from 'typescript';
import { FlavorsError } from '../errors';

// The compiler takes about 0.2 s to load: it is required on the first parse, so `flavors portal` and the other
// modules that import this one only to render or validate requests do not pay for it.
let loaded: typeof ts | undefined;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const compiler = (): typeof ts => (loaded ??= require('typescript') as typeof ts);

/** Replace `[start, end)` of the original text with `text` (an insertion when start === end). */
export interface TextEdit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/** A value written into a flavor file: what a database entry is made of. */
export type LiteralValue = string | number | { readonly [key: string]: LiteralValue };

/** A field to set inside a database entry, e.g. `{ path: ['volume', 'sizeGiB'], value: 600 }`. */
export interface FieldChange {
  readonly path: readonly string[];
  readonly value: LiteralValue;
}

/** The parts of a flavor file that a database request edits, found in its syntax tree. */
interface FlavorSyntax {
  readonly sf: ts.SourceFile;
  /** The object passed to `defineFlavor(...)`. */
  readonly flavor: ts.ObjectLiteralExpression;
  /** Its `databases` property, absent when the file declares none. */
  readonly databasesProperty?: ts.PropertyAssignment;
  readonly databases?: ts.ObjectLiteralExpression;
  /** `'` or `"`: the quote the file already uses. */
  readonly quote: string;
}

function unsupported(file: string, why: string): FlavorsError {
  return new FlavorsError('DB_FILE_UNSUPPORTED', `${file}: ${why}; the request cannot edit it safely, so make this change by hand.`);
}

function unwrap(node: ts.Expression): ts.Expression {
  const tsc = compiler();
  let n = node;
  while (tsc.isParenthesizedExpression(n) || tsc.isAsExpression(n) || tsc.isSatisfiesExpression(n)) n = n.expression;
  return n;
}

function propertyName(p: ts.ObjectLiteralElementLike, sf: ts.SourceFile): string | undefined {
  const tsc = compiler();
  if (!tsc.isPropertyAssignment(p)) return undefined;
  const n = p.name;
  if (tsc.isIdentifier(n) || tsc.isStringLiteral(n) || tsc.isNumericLiteral(n)) return n.text;
  return n.getText(sf);
}

/** Plain `key: value` properties only: a spread or shorthand hides names the edit must know. */
function checkPlain(obj: ts.ObjectLiteralExpression, sf: ts.SourceFile, file: string, what: string): void {
  const tsc = compiler();
  for (const p of obj.properties) {
    if (!tsc.isPropertyAssignment(p) || tsc.isComputedPropertyName(p.name)) {
      const { line } = sf.getLineAndCharacterOfPosition(p.getStart(sf));
      throw unsupported(file, `${what} has '${p.getText(sf).split('\n')[0]}' on line ${line + 1}, which is not a plain 'name: value' entry`);
    }
  }
}

function findProperty(obj: ts.ObjectLiteralExpression, name: string, sf: ts.SourceFile): ts.PropertyAssignment | undefined {
  return obj.properties.find((p): p is ts.PropertyAssignment => propertyName(p, sf) === name);
}

/** Finds `export default defineFlavor({...})` and its `databases` object. */
export function parseFlavorSyntax(text: string, file: string): FlavorSyntax {
  const tsc = compiler();
  const sf = tsc.createSourceFile(file, text, tsc.ScriptTarget.Latest, true, tsc.ScriptKind.TS);
  let flavor: ts.ObjectLiteralExpression | undefined;
  for (const statement of sf.statements) {
    if (!tsc.isExportAssignment(statement) || statement.isExportEquals) continue;
    const call = unwrap(statement.expression);
    if (!tsc.isCallExpression(call)) continue;
    const callee = call.expression;
    const name = tsc.isIdentifier(callee) ? callee.text : tsc.isPropertyAccessExpression(callee) ? callee.name.text : undefined;
    const arg = call.arguments[0] ? unwrap(call.arguments[0]) : undefined;
    if (name === 'defineFlavor' && arg && tsc.isObjectLiteralExpression(arg)) flavor = arg;
  }
  if (!flavor) throw unsupported(file, 'no `export default defineFlavor({...})` with an object literal was found');
  const databasesProperty = findProperty(flavor, 'databases', sf);
  let databases: ts.ObjectLiteralExpression | undefined;
  if (databasesProperty) {
    const value = unwrap(databasesProperty.initializer);
    if (!tsc.isObjectLiteralExpression(value)) throw unsupported(file, '`databases` is not an object literal');
    checkPlain(value, sf, file, '`databases`');
    databases = value;
  }
  const firstString = findFirst(databases ?? flavor, tsc.isStringLiteral);
  const quote = firstString && firstString.getText(sf).startsWith('"') ? '"' : "'";
  return { sf, flavor, databasesProperty, databases, quote };
}

function findFirst<T extends ts.Node>(root: ts.Node, test: (n: ts.Node) => n is T): T | undefined {
  const tsc = compiler();
  let found: T | undefined;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (test(n)) found = n;
    else tsc.forEachChild(n, visit);
  };
  visit(root);
  return found;
}

/** Names of the databases in file order. */
export function databaseNames(syntax: FlavorSyntax): string[] {
  return (syntax.databases?.properties ?? []).map((p) => propertyName(p, syntax.sf)!);
}

/** Source text of a value in the file's quote style: `{ platform: 'ec2', nodes: 3 }`. */
export function renderLiteral(value: LiteralValue, quote = "'"): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return `${quote}${value.replace(/\\/g, '\\\\').replace(new RegExp(quote, 'g'), `\\${quote}`)}${quote}`;
  return `{ ${Object.entries(value)
    .map(([k, v]) => `${k}: ${renderLiteral(v, quote)}`)
    .join(', ')} }`;
}

/** Applies non-overlapping edits to the text they were computed on; insertions at one position keep their order. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  let out = text;
  const order = edits.map((e, i) => ({ e, i })).sort((a, b) => b.e.start - a.e.start || b.i - a.i);
  for (const { e } of order) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

const lineStart = (text: string, pos: number) => text.lastIndexOf('\n', pos - 1) + 1;
/** End of the line holding `pos`, before its `\n` or `\r\n`. */
function lineEnd(text: string, pos: number): number {
  const n = text.indexOf('\n', pos);
  if (n === -1) return text.length;
  return text[n - 1] === '\r' ? n - 1 : n;
}
const nextLineStart = (text: string, pos: number) => (text.indexOf('\n', pos) === -1 ? text.length : text.indexOf('\n', pos) + 1);
/** The file's own line ending, so a CRLF file stays CRLF. */
const eolOf = (text: string) => (text.includes('\r\n') ? '\r\n' : '\n');
/** Whitespace and comments only (what may follow an entry on its line without belonging to another). */
const onlyTrivia = (s: string) => /^\s*(\/\/.*|\/\*.*?\*\/\s*)?$/.test(s);

/** Position just after the comma that follows `pos` (skipping whitespace and comments), or undefined. */
function commaAfter(text: string, pos: number): number | undefined {
  const m = /^(\s|\/\/[^\n]*|\/\*[\s\S]*?\*\/)*,/.exec(text.slice(pos));
  return m ? pos + m[0].length : undefined;
}

/**
 * Inserts a new element after `list[index]`, in the style of that sibling: on its own line with
 * the sibling's indentation (or inline when the sibling shares its line). If the sibling was last
 * and had no trailing comma, adding that comma is the only other change, and the new element gets
 * none either, as the file had it.
 */
function insertAfter(
  text: string,
  sf: ts.SourceFile,
  list: ts.NodeArray<ts.ObjectLiteralElementLike>,
  index: number,
  render: (indent: string) => string,
): TextEdit[] {
  const el = list[index];
  const isLast = index === list.length - 1;
  const comma = isLast && !list.hasTrailingComma ? undefined : commaAfter(text, el.end);
  const afterEl = comma ?? el.end;
  const elStart = el.getStart(sf);
  const startOfLine = lineStart(text, elStart);
  const inline = text.slice(startOfLine, elStart).trim() !== '';
  const indent = /^[ \t]*/.exec(text.slice(startOfLine))![0];
  const newComma = isLast ? (comma !== undefined ? ',' : '') : ',';
  const edits: TextEdit[] = comma === undefined ? [{ start: el.end, end: el.end, text: ',' }] : [];
  if (inline) {
    edits.push({ start: afterEl, end: afterEl, text: ` ${render(indent)}${newComma}` });
  } else {
    const rest = text.slice(afterEl, lineEnd(text, afterEl));
    const at = onlyTrivia(rest) ? lineEnd(text, afterEl) : afterEl;
    edits.push({ start: at, end: at, text: `${eolOf(text)}${indent}${render(indent)}${newComma}` });
  }
  return edits;
}

/** Edits that add `name: value` as the last database, creating `databases` after `regions` if the file has none. */
export function addDatabaseEdits(syntax: FlavorSyntax, text: string, name: string, value: LiteralValue): TextEdit[] {
  const { sf, flavor, databases, quote } = syntax;
  const entry = `${name}: ${renderLiteral(value, quote)}`;
  const eol = eolOf(text);
  if (databases && databases.properties.length > 0) {
    return insertAfter(text, sf, databases.properties, databases.properties.length - 1, () => entry);
  }
  const propIndent = (node: ts.Node) => /^[ \t]*/.exec(text.slice(lineStart(text, node.getStart(sf))))![0];
  if (databases) {
    // `databases: {}`: the entry goes inside, one level deeper than the property.
    const indent = propIndent(syntax.databasesProperty!);
    const inner = text.slice(databases.getStart(sf) + 1, databases.end - 1);
    if (inner.trim() !== '') throw unsupported(sf.fileName, '`databases` holds only comments; add the first database by hand');
    return [{ start: databases.getStart(sf) + 1, end: databases.end - 1, text: `${eol}${indent}${indent}${entry},${eol}${indent}` }];
  }
  const props = flavor.properties;
  const anchor = props.findIndex((p) => propertyName(p, sf) === 'regions');
  if (props.length === 0) throw unsupported(sf.fileName, 'the flavor object is empty');
  return insertAfter(
    text,
    sf,
    props,
    anchor >= 0 ? anchor : props.length - 1,
    (indent) => `databases: {${eol}${indent}${indent}${entry},${eol}${indent}}`,
  );
}

/** Edits that set fields inside the database `name`, leaving every other character of the entry as it is. */
export function setDatabaseFieldsEdits(syntax: FlavorSyntax, text: string, name: string, changes: readonly FieldChange[]): TextEdit[] {
  const tsc = compiler();
  const { sf, quote } = syntax;
  const entry = syntax.databases ? findProperty(syntax.databases, name, sf) : undefined;
  if (!entry) throw new FlavorsError('DB_NOT_FOUND', `${sf.fileName}: no database '${name}' in databases.`);
  const edits: TextEdit[] = [];
  for (const change of changes) {
    let obj = unwrap(entry.initializer);
    let i = 0;
    for (; ; i++) {
      if (!tsc.isObjectLiteralExpression(obj))
        throw unsupported(sf.fileName, `databases.${[name, ...change.path.slice(0, i)].join('.')} is not an object literal`);
      checkPlain(obj, sf, sf.fileName, `databases.${[name, ...change.path.slice(0, i)].join('.')}`);
      const prop = findProperty(obj, change.path[i], sf);
      // A field the entry does not spell out yet: insert it, with what is left of the path as nested objects.
      if (!prop) {
        const value = change.path.slice(i + 1).reduceRight<LiteralValue>((v, key) => ({ [key]: v }), change.value);
        const field = `${change.path[i]}: ${renderLiteral(value, quote)}`;
        if (obj.properties.length === 0) edits.push({ start: obj.getStart(sf) + 1, end: obj.end - 1, text: ` ${field} ` });
        else edits.push(...insertAfter(text, sf, obj.properties, obj.properties.length - 1, () => field));
        break;
      }
      if (i === change.path.length - 1) {
        edits.push({ start: prop.initializer.getStart(sf), end: prop.initializer.end, text: renderLiteral(change.value, quote) });
        break;
      }
      obj = unwrap(prop.initializer);
    }
  }
  return edits;
}

/**
 * Edits that remove the database `name`: its whole lines (with its comma and a comment on the same
 * line) when it has lines of its own, else just its text and comma. Lines above it stay.
 */
export function removeDatabaseEdits(syntax: FlavorSyntax, text: string, name: string): TextEdit[] {
  const { sf, databases } = syntax;
  const list = databases?.properties;
  const index = list ? list.findIndex((p) => propertyName(p, sf) === name) : -1;
  if (!list || index < 0) throw new FlavorsError('DB_NOT_FOUND', `${sf.fileName}: no database '${name}' in databases.`);
  const el = list[index];
  const isLast = index === list.length - 1;
  const start = el.getStart(sf);
  const comma = isLast && !list.hasTrailingComma ? undefined : commaAfter(text, el.end);
  const end = comma ?? el.end;
  const ownLines = text.slice(lineStart(text, start), start).trim() === '' && onlyTrivia(text.slice(end, lineEnd(text, end)));
  if (ownLines) return [{ start: lineStart(text, start), end: nextLineStart(text, end), text: '' }];
  if (comma !== undefined) return [{ start, end: end + /^[ \t]*/.exec(text.slice(end))![0].length, text: '' }];
  // Last of an inline list without trailing comma: take the comma before it with it.
  return [{ start: index > 0 ? list[index - 1].end : start, end: el.end, text: '' }];
}
