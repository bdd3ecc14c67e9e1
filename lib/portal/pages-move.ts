import type { Hono } from 'hono';
import { page, problemOf, type FieldProblem, type PortalContext, type PortalDeps, type PortalEnv } from './context';
import { maySee } from './directory';
import { csrfField, fieldError, html, type Html } from './html';
import { adminRequired } from './pages-spaces';
import type { SpaceMovePlanView } from './space-move-service';

/**
 * Moving a space to another flavor (admin): choose the flavor, see the plan (nothing changes),
 * then run it only with the explicit data-loss confirmation ticked; the move library refuses
 * without it, with the same code as `flavors space move`.
 */
export function registerMovePages(app: Hono<PortalEnv>, deps: PortalDeps): void {
  const dir = { store: deps.store, table: deps.table, flavors: deps.flavors };

  function planView(c: PortalContext, plan: SpaceMovePlanView, confirmError?: FieldProblem): Html {
    return html`<section class="card"><h2>Plan</h2><p data-testid="move-plan">${plan.spaceId}: ${plan.fromFlavor} (${plan.fromRegion}) → ${plan.toFlavor} (${plan.toRegion})</p>
      <ol>${plan.steps.map((s) => html`<li>${s}</li>`)}</ol>
      <div class="danger"><strong>Data loss</strong><ul data-testid="move-data-loss">${plan.dataLoss.map((s) => html`<li>${s}</li>`)}</ul></div>
      <form method="post" action="/spaces/${plan.spaceId}/move/execute">${csrfField(c.get('csrf'))}<input type="hidden" name="toFlavor" value="${plan.toFlavor}">
        <label><span><input type="checkbox" name="confirmDataLoss" value="yes"> I understand the data loss above and want to move ${plan.spaceId} to ${plan.toFlavor}</span>${fieldError(confirmError, 'confirmDataLoss')}</label>
        <p><button type="submit">Move the space</button></p></form></section>`;
  }

  function movePage(c: PortalContext, spaceId: string, state: { toFlavor?: string; error?: FieldProblem; plan?: Html; done?: Html } = {}, status: 200 | 400 | 409 = 200): Response {
    const unavailable = deps.spaceMove ? html`` : html`<p class="notice"><code>PORTAL_MOVE_UNAVAILABLE</code> this portal was started without the space-move library; use <code>flavors space move</code>.</p>`;
    return page(c, `Move space ${spaceId}`, 'spaces', html`${unavailable}${state.done ?? ''}
      <section class="card"><form method="post" action="/spaces/${spaceId}/move/plan" class="inline">${csrfField(c.get('csrf'))}
        <label>To flavor <select name="toFlavor">${deps.flavors.map((f) => html`<option ${state.toFlavor === f.name ? 'selected' : ''}>${f.name}</option>`)}</select>${fieldError(state.error, 'toFlavor')}</label>
        <button type="submit">Show the plan</button></form></section>${state.plan ?? ''}<p><a href="/spaces/${spaceId}">back to the space</a></p>`, status);
  }

  /** Admin only, and the space must exist (checked by the move library too). */
  async function guard(c: PortalContext): Promise<Response | undefined> {
    if (!c.get('user').admin) return adminRequired(c);
    if (!(await maySee(dir, c.get('user'), c.req.param('spaceId')!)) || !(await deps.store.getSpace(c.req.param('spaceId')!))) return c.notFound();
    return undefined;
  }

  app.get('/spaces/:spaceId/move', async (c) => (await guard(c)) ?? movePage(c, c.req.param('spaceId')));

  app.post('/spaces/:spaceId/move/plan', async (c) => {
    const refused = await guard(c);
    if (refused) return refused;
    const spaceId = c.req.param('spaceId');
    const toFlavor = c.get('form').toFlavor ?? '';
    if (!deps.spaceMove) return movePage(c, spaceId, { toFlavor }, 409);
    try {
      return movePage(c, spaceId, { toFlavor, plan: planView(c, await deps.spaceMove.plan({ spaceId, toFlavor })) });
    } catch (err) {
      return movePage(c, spaceId, { toFlavor, error: problemOf(err) }, 400);
    }
  });

  app.post('/spaces/:spaceId/move/execute', async (c) => {
    const refused = await guard(c);
    if (refused) return refused;
    const spaceId = c.req.param('spaceId');
    const form = c.get('form');
    const toFlavor = form.toFlavor ?? '';
    if (!deps.spaceMove) return movePage(c, spaceId, { toFlavor }, 409);
    let plan: SpaceMovePlanView;
    try {
      plan = await deps.spaceMove.plan({ spaceId, toFlavor });
    } catch (err) {
      return movePage(c, spaceId, { toFlavor, error: problemOf(err) }, 400);
    }
    try {
      const result = await deps.spaceMove.execute({ spaceId, toFlavor, confirmDataLoss: form.confirmDataLoss === 'yes' });
      return movePage(c, spaceId, { toFlavor, done: html`<section class="card"><p class="ok" data-testid="done">Moved ${spaceId} to ${toFlavor}.</p><pre>${result.lines.join('\n')}</pre></section>` });
    } catch (err) {
      // The plan again, with the refusal next to the confirmation box.
      return movePage(c, spaceId, { toFlavor, plan: planView(c, plan, problemOf(err)) }, 400);
    }
  });
}
