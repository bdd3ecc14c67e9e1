import type { Hono } from 'hono';
import { createClient, createSpace, describeSpace, grantSpace, requireId } from '../lookup/runtime/admin';
import { check, page, problemOf, type FieldProblem, type PortalContext, type PortalDeps, type PortalEnv } from './context';
import { listClients, maySee, visibleSpaces, type Directory } from './directory';
import { csrfField, fieldError, html, type Html } from './html';

type Errors = Record<string, FieldProblem | undefined>;

interface SpacesForm {
  readonly form?: 'client' | 'space';
  readonly values?: Record<string, string>;
  readonly errors?: Errors;
  readonly done?: Html;
}

/** 403 for a signed-in user who is not an admin; the page names the code. */
export function adminRequired(c: PortalContext): Response {
  return page(
    c,
    'Admin only',
    '',
    html`<p class="error"><code>PORTAL_ADMIN_REQUIRED</code> this action needs an admin identity; ${c.get('user').userId} is not one.</p>`,
    403,
  );
}

/** Clients and spaces: create (admin), list what the user may see, show, grant (admin). */
export function registerSpacePages(app: Hono<PortalEnv>, deps: PortalDeps): void {
  const dir: Directory = { store: deps.store, table: deps.table, flavors: deps.flavors };
  const admin = { store: deps.store, flavors: deps.flavors };

  async function spacesPage(c: PortalContext, state: SpacesForm = {}, status: 200 | 400 | 409 = 200): Promise<Response> {
    const user = c.get('user');
    const csrf = c.get('csrf');
    const v = (form: string, field: string) => (state.form === form ? (state.values?.[field] ?? '') : '');
    const e = (form: string, field: string) => (state.form === form ? state.errors?.[field] : undefined);
    const spaces = await visibleSpaces(dir, user);
    const rows = spaces.map(
      (s) =>
        html`<tr>
          <td><a href="/spaces/${s.spaceId}">${s.spaceId}</a></td>
          <td>${s.clientId}</td>
          <td>${s.flavor}</td>
          <td>${s.homeRegion}</td>
          <td>${s.epoch}</td>
        </tr>`,
    );
    const list =
      spaces.length > 0
        ? html`<table data-testid="spaces">
            <tr>
              <th>space</th>
              <th>client</th>
              <th>flavor</th>
              <th>home region</th>
              <th>epoch</th>
            </tr>
            ${rows}
          </table>`
        : html`<p class="muted" data-testid="no-spaces">No space is granted to ${user.userId}.</p>`;
    let adminPart = html``;
    if (user.admin) {
      const clients = await listClients(dir);
      adminPart = html` <section class="card">
          <h2>Create a client</h2>
          <form method="post" action="/clients" class="inline">
            ${csrfField(csrf)}
            <label>Client id <input name="clientId" value="${v('client', 'clientId')}" />${fieldError(e('client', 'clientId'), 'clientId')}</label>
            <label
              >Flavor
              <select name="flavor">
                ${deps.flavors.map((f) => html`<option ${v('client', 'flavor') === f.name ? 'selected' : ''}>${f.name}</option>`)}</select
              >${fieldError(e('client', 'flavor'), 'flavor')}</label
            >
            <button type="submit">Create client</button>${fieldError(e('client', 'form'), 'form')}
          </form>
        </section>
        <section class="card">
          <h2>Create a space</h2>
          <form method="post" action="/spaces" class="inline">
            ${csrfField(csrf)}
            <label>Space id <input name="spaceId" value="${v('space', 'spaceId')}" />${fieldError(e('space', 'spaceId'), 'spaceId')}</label>
            <label
              >Client id
              <input name="clientId" value="${v('space', 'clientId')}" list="clients" />${fieldError(e('space', 'clientId'), 'clientId')}</label
            >
            <datalist id="clients">${clients.map((cl) => html`<option value="${cl.clientId}"></option>`)}</datalist>
            <button type="submit">Create space</button>${fieldError(e('space', 'form'), 'form')}
          </form>
        </section>
        <section class="card">
          <h2>Clients</h2>
          <table data-testid="clients">
            <tr>
              <th>client</th>
              <th>flavor</th>
              <th>policy</th>
            </tr>
            ${clients.map(
              (cl) =>
                html`<tr>
                  <td>${cl.clientId}</td>
                  <td>${cl.flavor}</td>
                  <td>${cl.policy ? JSON.stringify(cl.policy) : "the flavor's"}</td>
                </tr>`,
            )}
          </table>
        </section>`;
    }
    return page(
      c,
      'Clients and spaces',
      'spaces',
      html`${state.done ?? ''}${adminPart}
        <section class="card">
          <h2>Spaces</h2>
          ${list}
        </section>`,
      status,
    );
  }

  app.get('/spaces', (c) => spacesPage(c));

  app.post('/clients', async (c) => {
    if (!c.get('user').admin) return adminRequired(c);
    const values = c.get('form');
    const clientId = (values.clientId ?? '').trim();
    const idProblem = check(() => requireId('clientId', clientId));
    if (idProblem) return spacesPage(c, { form: 'client', values, errors: { clientId: idProblem } }, 400);
    try {
      const client = await createClient(admin, { clientId, flavor: values.flavor ?? '' });
      return spacesPage(c, {
        done: html`<p class="ok" data-testid="done">Created client <strong>${client.clientId}</strong> in flavor ${client.flavor}.</p>`,
      });
    } catch (err) {
      const p = problemOf(err);
      const field = p.code === 'LOOKUP_FLAVOR_UNKNOWN' ? 'flavor' : p.code === 'LOOKUP_CLIENT_EXISTS' ? 'clientId' : 'form';
      return spacesPage(c, { form: 'client', values, errors: { [field]: p } }, p.code === 'LOOKUP_CLIENT_EXISTS' ? 409 : 400);
    }
  });

  app.post('/spaces', async (c) => {
    if (!c.get('user').admin) return adminRequired(c);
    const values = c.get('form');
    const spaceId = (values.spaceId ?? '').trim();
    const clientId = (values.clientId ?? '').trim();
    const errors: Errors = { spaceId: check(() => requireId('spaceId', spaceId)), clientId: check(() => requireId('clientId', clientId)) };
    if (errors.spaceId || errors.clientId) return spacesPage(c, { form: 'space', values, errors }, 400);
    try {
      const { space, route } = await createSpace(admin, { spaceId, clientId }, deps.endpointZone);
      return spacesPage(c, {
        done: html`<p class="ok" data-testid="done">
          Created space <a href="/spaces/${space.spaceId}">${space.spaceId}</a>: home ${route.homeRegion}, epoch ${space.epoch}.
        </p>`,
      });
    } catch (err) {
      const p = problemOf(err);
      const field = p.code === 'LOOKUP_CLIENT_NOT_FOUND' ? 'clientId' : p.code === 'LOOKUP_SPACE_EXISTS' ? 'spaceId' : 'form';
      return spacesPage(c, { form: 'space', values, errors: { [field]: p } }, p.code === 'LOOKUP_SPACE_EXISTS' ? 409 : 400);
    }
  });

  async function spacePage(
    c: PortalContext,
    spaceId: string,
    grantState: { value?: string; error?: FieldProblem; done?: string } = {},
    status: 200 | 400 = 200,
  ): Promise<Response> {
    const user = c.get('user');
    // A space the user may not see answers exactly like a space that does not exist.
    if (check(() => requireId('spaceId', spaceId)) || !(await maySee(dir, user, spaceId))) return c.notFound();
    let d;
    try {
      d = await describeSpace(admin, spaceId, deps.endpointZone);
    } catch (err) {
      if (problemOf(err).code === 'LOOKUP_SPACE_NOT_FOUND') return c.notFound();
      throw err;
    }
    const route = d.route
      ? html`<table data-testid="route">
          <tr>
            <th>flavor</th>
            <td>${d.route.flavor}</td>
          </tr>
          <tr>
            <th>home region</th>
            <td>${d.route.homeRegion}</td>
          </tr>
          <tr>
            <th>endpoint</th>
            <td><code data-testid="endpoint">${d.route.endpoint}</code></td>
          </tr>
          <tr>
            <th>fallbacks</th>
            <td>${d.route.fallbacks.join(', ') || 'none'}</td>
          </tr>
          <tr>
            <th>epoch</th>
            <td data-testid="epoch">${d.space.epoch}</td>
          </tr>
        </table>`
      : html`<p class="error"><code>${d.routeError!.code}</code> ${d.routeError!.message}</p>`;
    const grants = html`<ul data-testid="grants">
      ${d.grants.map((g) => html`<li>${g}</li>`)}
    </ul>`;
    const adminPart = user.admin
      ? html` <section class="card">
            <h2>Grant a user</h2>
            <form method="post" action="/spaces/${spaceId}/grants" class="inline">
              ${csrfField(c.get('csrf'))}
              <label>User id <input name="userId" value="${grantState.value ?? ''}" />${fieldError(grantState.error, 'userId')}</label
              ><button type="submit">Grant</button>
            </form>
            ${grantState.done ? html`<p class="ok" data-testid="done">${grantState.done}</p>` : ''}
          </section>
          <section class="card">
            <h2>Move</h2>
            <p><a href="/spaces/${spaceId}/move">Move this space to another flavor</a> (plan first, then an explicit data-loss confirmation).</p>
          </section>`
      : html``;
    return page(
      c,
      `Space ${spaceId}`,
      'spaces',
      html`<section class="card">
          <h2>Route</h2>
          <p>client ${d.space.clientId}</p>
          ${route}
        </section>
        <section class="card">
          <h2>Grants</h2>
          ${grants}
        </section>
        ${adminPart}`,
      status,
    );
  }

  app.get('/spaces/:spaceId', (c) => spacePage(c, c.req.param('spaceId')));

  app.post('/spaces/:spaceId/grants', async (c) => {
    if (!c.get('user').admin) return adminRequired(c);
    const spaceId = c.req.param('spaceId');
    const userId = (c.get('form').userId ?? '').trim();
    const idProblem = check(() => requireId('userId', userId));
    if (idProblem) return spacePage(c, spaceId, { value: userId, error: idProblem }, 400);
    try {
      const { created } = await grantSpace(admin, { userId, spaceId });
      return spacePage(c, spaceId, {
        done: created ? `Granted ${userId} space ${spaceId}.` : `${userId} already had space ${spaceId}; nothing was written.`,
      });
    } catch (err) {
      const p = problemOf(err);
      if (p.code === 'LOOKUP_SPACE_NOT_FOUND' || p.code === 'LOOKUP_ID_INVALID') return c.notFound();
      throw err;
    }
  });
}
