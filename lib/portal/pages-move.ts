import type { Hono } from 'hono';
import { page, problemOf, type FieldProblem, type PortalContext, type PortalDeps, type PortalEnv } from './context';
import { csrfField, fieldError, html, type Html } from './html';
import { adminRequired } from './pages-spaces';
import type { SpaceMovePlanView, SpaceMoveRequest } from './space-move-service';

/**
 * Moving a space to another flavor (admin): choose the flavor, see the plan (nothing changes),
 * then run it only with the explicit data-loss confirmation ticked. The plan, refusals and the
 * move are the space-move library's, with the CLI's codes.
 */
export function registerMovePages(app: Hono<PortalEnv>, deps: PortalDeps): void {
  function planView(c: PortalContext, plan: SpaceMovePlanView, confirmError?: FieldProblem): Html {
    const refusals =
      plan.refusals.length > 0
        ? html`<div class="danger" data-testid="move-refusals">${plan.refusals.map((r) => html`<p><code>${r.code}</code> ${r.message}</p>`)}</div>`
        : html`<form method="post" action="/spaces/${plan.spaceId}/move/execute">
            ${csrfField(c.get('csrf'))} <input type="hidden" name="toFlavor" value="${plan.toFlavor}" /><input
              type="hidden"
              name="data"
              value="${plan.data}"
            />
            <label
              ><span
                ><input type="checkbox" name="confirmDataLoss" value="yes" /> I understand the data loss above and want to move ${plan.spaceId} to
                ${plan.toFlavor}</span
              >${fieldError(confirmError, 'confirmDataLoss')}</label
            >
            <p><button type="submit">Move the space</button></p>
          </form>`;
    return html`<section class="card">
      <h2>Plan</h2>
      <pre data-testid="move-plan">${plan.lines.join('\n')}</pre>
      <div class="danger">
        <strong>Data loss</strong>
        <ul data-testid="move-data-loss">
          ${plan.dataLoss.map((s) => html`<li>${s}</li>`)}
        </ul>
      </div>
      ${refusals}
    </section>`;
  }

  function movePage(
    c: PortalContext,
    spaceId: string,
    state: { request?: SpaceMoveRequest; error?: FieldProblem; plan?: Html; done?: Html } = {},
    status: 200 | 400 | 409 = 200,
  ): Response {
    const unavailable = deps.spaceMove
      ? html``
      : html`<p class="notice">
          <code>PORTAL_MOVE_UNAVAILABLE</code> this portal runs without the space-move library; use <code>flavors space move</code>.
        </p>`;
    const r = state.request;
    return page(
      c,
      `Move space ${spaceId}`,
      'spaces',
      html`${unavailable}${state.done ?? ''}
        <section class="card">
          <form method="post" action="/spaces/${spaceId}/move/plan" class="inline">
            ${csrfField(c.get('csrf'))}
            <label
              >To flavor
              <select name="toFlavor">
                ${deps.flavors.map((f) => html`<option ${r?.toFlavor === f.name ? 'selected' : ''}>${f.name}</option>`)}</select
              >${fieldError(state.error, 'toFlavor')}</label
            >
            <label
              >Data
              <select name="data">
                <option value="copy">copy the rows</option>
                <option value="none" ${r?.data === 'none' ? 'selected' : ''}>none (start empty; rows are lost)</option>
              </select></label
            >
            <button type="submit">Show the plan</button>
          </form>
        </section>
        ${state.plan ?? ''}
        <p><a href="/spaces/${spaceId}">back to the space</a></p>`,
      status,
    );
  }

  /** Admin only, and only spaces that exist (a missing one answers like any unknown page). */
  async function guard(c: PortalContext): Promise<Response | undefined> {
    if (!c.get('user').admin) return adminRequired(c);
    if (!/^[a-z0-9][a-z0-9-]{2,62}$/.test(c.req.param('spaceId')!) || !(await deps.store.getSpace(c.req.param('spaceId')!))) return c.notFound();
    return undefined;
  }

  const requestOf = (c: PortalContext): SpaceMoveRequest => {
    const form = c.get('form');
    return { spaceId: c.req.param('spaceId')!, toFlavor: form.toFlavor ?? '', data: form.data === 'none' ? 'none' : 'copy' };
  };

  app.get('/spaces/:spaceId/move', async (c) => (await guard(c)) ?? movePage(c, c.req.param('spaceId')));

  app.post('/spaces/:spaceId/move/plan', async (c) => {
    const refused = await guard(c);
    if (refused) return refused;
    const request = requestOf(c);
    if (!deps.spaceMove) return movePage(c, request.spaceId, { request }, 409);
    try {
      return movePage(c, request.spaceId, { request, plan: planView(c, await deps.spaceMove.plan(request)) });
    } catch (err) {
      return movePage(c, request.spaceId, { request, error: problemOf(err) }, 400);
    }
  });

  app.post('/spaces/:spaceId/move/execute', async (c) => {
    const refused = await guard(c);
    if (refused) return refused;
    const request = requestOf(c);
    if (!deps.spaceMove) return movePage(c, request.spaceId, { request }, 409);
    try {
      const lines = await deps.spaceMove.execute({ ...request, confirmDataLoss: c.get('form').confirmDataLoss === 'yes' });
      return movePage(c, request.spaceId, {
        request,
        done: html`<section class="card">
          <p class="ok" data-testid="done">Moved ${request.spaceId} to ${request.toFlavor}.</p>
          <pre>${lines.join('\n')}</pre>
        </section>`,
      });
    } catch (err) {
      const problem = problemOf(err);
      // The plan again, with the refusal next to the confirmation box.
      let plan: SpaceMovePlanView | undefined;
      try {
        plan = await deps.spaceMove.plan(request);
      } catch (planErr) {
        return movePage(c, request.spaceId, { request, error: problemOf(planErr) }, 400);
      }
      return movePage(c, request.spaceId, { request, plan: planView(c, plan, problem) }, 400);
    }
  });
}
