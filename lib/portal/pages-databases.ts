import * as path from 'path';
import type { Hono } from 'hono';
import type { DatabaseSpec } from '../flavor/types';
import { formatProblem } from '../flavor/load-flavors';
import { applyDatabaseRequest, RequestValidationError } from '../requests/apply-database-request';
import { describeChange, parsePositiveInt, type DatabaseRequest } from '../requests/database-request';
import { flavorNamed, page, problemOf, type FieldProblem, type PortalContext, type PortalDeps, type PortalEnv } from './context';
import { csrfField, fieldError, html, type Html } from './html';
import { adminRequired } from './pages-spaces';

/** Which form field a refusal of the request library belongs next to. */
const FIELD_OF: Record<string, string> = {
  DB_NAME_INVALID: 'name',
  DB_ALREADY_EXISTS: 'name',
  DB_NOT_FOUND: 'name',
  DB_PLATFORM_INVALID: 'platform',
  DB_PLATFORM_CHANGE_REFUSED: 'platform',
  DB_ENGINE_REQUIRED: 'engine',
  DB_ENGINE_CHANGE_REFUSED: 'engine',
  DB_SIZE_INVALID: 'sizeGiB',
  DB_VOLUME_SHRINK_REFUSED: 'sizeGiB',
  DB_BRANCH_INVALID: 'branch',
  DB_BRANCH_EXISTS: 'branch',
  DB_BRANCH_FILE_DIRTY: 'branch',
  DB_NOT_IN_GIT: 'branch',
  DB_GIT_NO_COMMIT: 'branch',
};

function specLine(db: DatabaseSpec): string {
  if (db.platform === 'ec2') return `ec2 ${db.engine} ${db.instanceType}, ${db.nodes} nodes, ${db.volume.sizeGiB} GiB gp3`;
  if (db.platform === 'rds') return `rds ${db.engine} ${db.instanceType}, ${db.storageGiB} GiB`;
  return `k8s ${db.engine}, ${db.instances} instances, ${db.storageGiB} GiB`;
}

/**
 * Databases of a flavor: a new one or a resize becomes the same flavor-file edit as
 * `flavors db add|resize` (the request library), shown as a diff, downloadable as a patch, or
 * committed on a new branch (admin). The portal never writes the working tree.
 */
export function registerDatabasePages(app: Hono<PortalEnv>, deps: PortalDeps): void {
  app.get('/databases', (c) =>
    page(
      c,
      'Databases',
      'databases',
      html`<ul>
        ${deps.flavors.map(
          (f) => html`<li><a href="/databases/${f.name}">${f.name}</a>: ${Object.keys(f.databases).join(', ') || 'no databases'}</li>`,
        )}
      </ul>`,
    ),
  );

  function dbPage(
    c: PortalContext,
    flavorName: string,
    state: { values?: Record<string, string>; errors?: Record<string, FieldProblem | undefined>; result?: Html } = {},
    status: 200 | 400 | 409 = 200,
  ): Response {
    const flavor = flavorNamed(deps, flavorName)!;
    const v = (k: string) => state.values?.[k] ?? '';
    const e = (k: string) => state.errors?.[k];
    const option = (name: string, value: string, label = value) =>
      html`<option value="${value}" ${v(name) === value ? 'selected' : ''}>${label}</option>`;
    const rows = Object.entries(flavor.databases).map(
      ([name, db]) =>
        html`<tr>
          <td>${name}</td>
          <td>${specLine(db)}</td>
        </tr>`,
    );
    return page(
      c,
      `Databases of ${flavor.name}`,
      'databases',
      html` <section class="card">
          <table data-testid="databases">
            <tr>
              <th>database</th>
              <th>as the flavor file has it</th>
            </tr>
            ${rows}
          </table>
        </section>
        <section class="card">
          <h2>Request a database or a resize</h2>
          <p class="muted">
            Leave a field empty for the CLI's default. The request becomes an edit of <code>flavors/${flavor.name}.ts</code>, reviewed in a pull
            request like any other.
          </p>
          <form method="post" action="/databases/${flavor.name}" class="inline">
            ${csrfField(c.get('csrf'))}
            <label
              >Request
              <select name="action">
                ${option('action', 'add', 'new database')}${option('action', 'resize', 'resize')}
              </select></label
            >
            <label>Name <input name="name" value="${v('name')}" />${fieldError(e('name'), 'name')}</label>
            <label
              >Platform
              <select name="platform">
                ${option('platform', '', '(default / unchanged)')}${option('platform', 'ec2')}${option('platform', 'rds')}${option(
                  'platform',
                  'k8s',
                )}</select
              >${fieldError(e('platform'), 'platform')}</label
            >
            <label>Engine <input name="engine" value="${v('engine')}" size="9" />${fieldError(e('engine'), 'engine')}</label>
            <label
              >Instance type
              <input name="instanceType" value="${v('instanceType')}" size="12" />${fieldError(e('instanceType'), 'instanceType')}</label
            >
            <label>Nodes (ec2) <input name="nodes" value="${v('nodes')}" size="3" />${fieldError(e('nodes'), 'nodes')}</label>
            <label>Instances (k8s) <input name="instances" value="${v('instances')}" size="3" />${fieldError(e('instances'), 'instances')}</label>
            <label>Size GiB <input name="sizeGiB" value="${v('sizeGiB')}" size="5" />${fieldError(e('sizeGiB'), 'sizeGiB')}</label>
            <label
              >Branch (for a branch)
              <input name="branch" value="${v('branch')}" placeholder="db/add-search" />${fieldError(e('branch'), 'branch')}</label
            >
            <span
              ><button name="mode" value="preview">Show the diff</button> <button name="mode" value="patch">Download patch</button>
              <button name="mode" value="branch">Commit on a new branch</button></span
            >
            ${fieldError(e('form'), 'form')}
          </form>
        </section>
        ${state.result ?? ''}`,
      status,
    );
  }

  app.get('/databases/:flavor', (c) => (flavorNamed(deps, c.req.param('flavor')) ? dbPage(c, c.req.param('flavor')) : c.notFound()));

  app.post('/databases/:flavor', async (c) => {
    const flavor = flavorNamed(deps, c.req.param('flavor'));
    if (!flavor) return c.notFound();
    const values = c.get('form');
    const mode = values.mode === 'patch' || values.mode === 'branch' ? values.mode : 'preview';
    if (mode === 'branch' && !c.get('user').admin) return adminRequired(c);
    const errors: Record<string, FieldProblem | undefined> = {};
    const num = (field: 'nodes' | 'instances' | 'sizeGiB', flag: '--nodes' | '--instances' | '--size-gib') => {
      try {
        return parsePositiveInt(flag, values[field]?.trim() || undefined);
      } catch (err) {
        errors[field] = problemOf(err);
        return undefined;
      }
    };
    const nodes = num('nodes', '--nodes');
    const instances = num('instances', '--instances');
    const sizeGiB = num('sizeGiB', '--size-gib');
    if (Object.keys(errors).length > 0) return dbPage(c, flavor.name, { values, errors }, 400);
    const blank = (k: string) => values[k]?.trim() || undefined;
    const request: DatabaseRequest = {
      kind: values.action === 'resize' ? 'resize' : 'add',
      name: values.name?.trim() ?? '',
      platform: blank('platform'),
      engine: blank('engine'),
      instanceType: blank('instanceType'),
      nodes,
      instances,
      sizeGiB,
    };
    const shownAs = `flavors/${flavor.name}.ts`;
    try {
      const r = applyDatabaseRequest({
        file: path.join(deps.flavorsDir, `${flavor.name}.ts`),
        flavor,
        request,
        shownAs,
        write: false,
        branch: mode === 'branch' ? (values.branch?.trim() ?? '') : undefined,
      });
      if (mode === 'patch') {
        const filename = `flavors-db-${r.change.kind}-${flavor.name}-${r.change.name}.patch`;
        return c.body(r.diff, 200, { 'content-type': 'text/x-diff; charset=utf-8', 'content-disposition': `attachment; filename="${filename}"` });
      }
      const head = r.commit
        ? html`<p class="ok" data-testid="done">
            Committed on new branch <code>${values.branch}</code> (${r.commit.slice(0, 12)}); push it and open a pull request. The working tree is
            unchanged.
          </p>`
        : html`<p class="ok" data-testid="done">
            flavors db ${describeChange(r.change)}: nothing was written; download the patch or commit it on a branch.
          </p>`;
      return dbPage(c, flavor.name, {
        values,
        result: html`<section class="card">
          <h2>The edit</h2>
          ${head}
          ${
            r.change.chosen.length
              ? html`<ul>
                  ${r.change.chosen.map((line) => html`<li>chose ${line}</li>`)}
                </ul>`
              : ''
          }
          <pre data-testid="diff">${r.diff}</pre>
        </section>`,
      });
    } catch (err) {
      const p = problemOf(err);
      const details = err instanceof RequestValidationError ? html`<pre>${err.problems.map(formatProblem).join('\n')}</pre>` : '';
      const field = FIELD_OF[p.code] ?? 'form';
      return dbPage(
        c,
        flavor.name,
        { values, errors: { [field]: p }, result: details ? html`<section class="card">${details}</section>` : undefined },
        p.code === 'DB_BRANCH_EXISTS' || p.code === 'DB_ALREADY_EXISTS' ? 409 : 400,
      );
    }
  });
}
