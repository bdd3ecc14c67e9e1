import type { Hono } from 'hono';
import { FlavorsError } from '../errors';
import type { Flavor } from '../flavor/types';
import { assertAwsCredentials } from '../ops/aws-clients';
import { resolvePrimary } from '../ops/current-primary';
import { createDevReplica } from '../ops/dev-replica-create';
import { expireDevReplicas } from '../ops/dev-replica-expire';
import { formatDevReplicas, listDevReplicas } from '../ops/dev-replica-inventory';
import { formatDevPlan, planDevReplica } from '../ops/dev-replica-plan';
import { devReplicaRequest } from '../ops/dev-replica-request';
import { drStatus } from '../ops/dr-status';
import { FailoverStateStore } from '../ops/failover-state';
import { realSleep } from '../ops/poll';
import { flavorNamed, page, problemOf, type FieldProblem, type PortalContext, type PortalDeps, type PortalEnv } from './context';
import { csrfField, fieldError, html, type Html } from './html';
import { adminRequired } from './pages-spaces';

const FIELD_OF: Record<string, string> = {
  DEV_REPLICA_UNKNOWN_DATABASE: 'database',
  DEV_REPLICA_REGION_REQUIRED: 'region',
  DEV_REPLICA_REGION_OUTSIDE_FLAVOR: 'region',
  DEV_REPLICA_TTL_INVALID: 'ttl',
  DEV_REPLICA_OWNER_INVALID: 'owner',
  OPS_UNKNOWN_FLAVOR: 'flavor',
};

const problemBox = (p: FieldProblem) => html`<p class="notice" data-testid="problem"><code>${p.code}</code> ${p.message}</p>`;
const lines = (ls: readonly string[]) => html`<pre>${ls.join('\n')}</pre>`;

/** Dev replicas (plan, create, list, expire) and DR status, over the ops library the CLI runs. */
export function registerOpsPages(app: Hono<PortalEnv>, deps: PortalDeps): void {
  const ops = deps.ops;
  const credentials = (region: string) => assertAwsCredentials(ops.credentials(region), ops.credentialTimeoutMs);
  const poll = () => ({ sleep: ops.sleep ?? realSleep, ...ops.poll });
  const allRegions = (flavors: readonly Flavor[]) => [...new Set(flavors.flatMap((f) => f.regions.map((r) => r.region)))].sort();

  async function replicasPage(
    c: PortalContext,
    state: { values?: Record<string, string>; errors?: Record<string, FieldProblem>; result?: Html } = {},
    status: 200 | 400 = 200,
  ): Promise<Response> {
    const v = (k: string) => state.values?.[k] ?? '';
    const e = (k: string) => state.errors?.[k];
    let listing: Html;
    try {
      await credentials(allRegions(deps.flavors)[0]);
      const replicas = await listDevReplicas(allRegions(deps.flavors), undefined, { clientsFor: ops.clientsFor, kubeFor: ops.kubeFor });
      listing = html`<div data-testid="replicas">${lines(formatDevReplicas(replicas, ops.now()))}</div>`;
    } catch (err) {
      listing = problemBox(problemOf(err));
    }
    const csrf = c.get('csrf');
    const admin = c.get('user').admin;
    return page(
      c,
      'Dev replicas',
      'dev-replicas',
      html`${state.result ?? ''}
        <section class="card">
          <h2>Plan a dev replica</h2>
          <p class="muted">A masked copy of a database from its newest backup, in the same region; nothing is created until you confirm the plan.</p>
          <form method="post" action="/dev-replicas/plan" class="inline">
            ${csrfField(csrf)}
            <label
              >Flavor
              <select name="flavor">
                ${deps.flavors.map((f) => html`<option ${v('flavor') === f.name ? 'selected' : ''}>${f.name}</option>`)}</select
              >${fieldError(e('flavor'), 'flavor')}</label
            >
            <label>Database <input name="database" value="${v('database')}" />${fieldError(e('database'), 'database')}</label>
            <label>Region <input name="region" value="${v('region')}" />${fieldError(e('region'), 'region')}</label>
            <label>TTL <input name="ttl" value="${v('ttl') || '8h'}" size="4" />${fieldError(e('ttl'), 'ttl')}</label>
            <label>Owner <input name="owner" value="${v('owner') || c.get('user').userId}" />${fieldError(e('owner'), 'owner')}</label>
            <label>Mask SQL (file in the repo) <input name="mask" value="${v('mask')}" />${fieldError(e('mask'), 'mask')}</label>
            <button type="submit">Plan</button>${fieldError(e('form'), 'form')}
          </form>
        </section>
        <section class="card">
          <h2>Dev replicas</h2>
          ${listing}
          ${
            admin
              ? html`<form method="post" action="/dev-replicas/expire" class="inline">
                  ${csrfField(csrf)}<label
                    ><span><input type="checkbox" name="dryRun" value="yes" checked /> dry run</span></label
                  ><button type="submit">Expire past their TTL</button>
                </form>`
              : ''
          }
        </section>`,
      status,
    );
  }

  /** The request from the form, checked by the library (first refusal next to its field), or the page that shows it. */
  function requestOf(c: PortalContext): { request?: ReturnType<typeof devReplicaRequest>; errors?: Record<string, FieldProblem> } {
    const f = c.get('form');
    const flavor = flavorNamed(deps, f.flavor ?? '');
    if (!flavor)
      return {
        errors: {
          flavor: {
            code: 'OPS_UNKNOWN_FLAVOR',
            message: `no flavor '${f.flavor ?? ''}'; pick one of ${deps.flavors.map((x) => x.name).join(', ')}.`,
          },
        },
      };
    try {
      return {
        request: devReplicaRequest({
          flavor,
          database: f.database?.trim() ?? '',
          region: f.region?.trim() || undefined,
          ttl: f.ttl?.trim() || undefined,
          owner: f.owner?.trim() ?? '',
          maskFile: f.mask?.trim() || undefined,
          cwd: ops.cwd,
          now: ops.now(),
        }),
      };
    } catch (err) {
      const p = problemOf(err);
      return { errors: { [FIELD_OF[p.code] ?? (p.code.includes('MASK') ? 'mask' : 'form')]: p } };
    }
  }

  app.get('/dev-replicas', (c) => replicasPage(c));

  app.post('/dev-replicas/plan', async (c) => {
    const values = c.get('form');
    const { request, errors } = requestOf(c);
    if (!request) return replicasPage(c, { values, errors }, 400);
    try {
      await credentials(request.region);
      const plan = await planDevReplica(request, { clientsFor: ops.clientsFor, kubeFor: ops.kubeFor, ec2Port: ops.ec2Port });
      const hidden = ['flavor', 'database', 'region', 'ttl', 'owner', 'mask'].map(
        (k) => html`<input type="hidden" name="${k}" value="${values[k] ?? ''}" />`,
      );
      const confirm = c.get('user').admin
        ? html`<form method="post" action="/dev-replicas/create">${csrfField(c.get('csrf'))}${hidden}<button type="submit">Create it</button></form>`
        : html`<p class="muted">Creating needs an admin identity.</p>`;
      return replicasPage(c, {
        values,
        result: html`<section class="card">
          <h2>Plan</h2>
          <div data-testid="plan">${lines(formatDevPlan(plan))}</div>
          <p>Nothing was created.</p>
          ${confirm}
        </section>`,
      });
    } catch (err) {
      return replicasPage(c, { values, errors: { form: problemOf(err) } }, 400);
    }
  });

  app.post('/dev-replicas/create', async (c) => {
    if (!c.get('user').admin) return adminRequired(c);
    const values = c.get('form');
    const { request, errors } = requestOf(c);
    if (!request) return replicasPage(c, { values, errors }, 400);
    const log: string[] = [];
    try {
      await credentials(request.region);
      const plan = await planDevReplica(request, { clientsFor: ops.clientsFor, kubeFor: ops.kubeFor, ec2Port: ops.ec2Port });
      const h = await createDevReplica(plan, request.mask, {
        clientsFor: ops.clientsFor,
        kubeFor: ops.kubeFor,
        log: (l) => log.push(l),
        poll: poll(),
        connectPoll: ops.connectPoll,
        rdsTls: ops.rdsTls,
      });
      return replicasPage(c, {
        result: html`<section class="card">
          <h2>Created</h2>
          <div data-testid="handout">
            ${lines([
              `Dev replica ${h.replicaId} is ready${h.masked ? ' (masked)' : ''}:`,
              `  host:     ${h.host}`,
              `  port:     ${h.port}`,
              `  database: ${h.dbname}`,
              `  user:     ${h.user}`,
              `  password: in Secrets Manager ${h.secretArn}`,
              `  expires:  ${h.expiresAt}`,
            ])}
          </div>
          ${lines(log)}
        </section>`,
      });
    } catch (err) {
      return replicasPage(c, { values, errors: { form: problemOf(err) }, result: log.length ? lines(log) : undefined }, 400);
    }
  });

  app.post('/dev-replicas/expire', async (c) => {
    if (!c.get('user').admin) return adminRequired(c);
    const dryRun = c.get('form').dryRun === 'yes';
    const log: string[] = [];
    try {
      const regions = allRegions(deps.flavors);
      await credentials(regions[0]);
      const r = await expireDevReplicas(regions, ops.now(), dryRun, {
        clientsFor: ops.clientsFor,
        kubeFor: ops.kubeFor,
        log: (l) => log.push(l),
        poll: poll(),
      });
      const summary = dryRun
        ? `${r.expired.length} dev replica(s) past their expiry would be deleted; nothing was deleted (dry run).`
        : `${r.expired.length - r.failed.length} expired dev replica(s) deleted, ${r.kept.length} kept.`;
      const failed = r.failed.map((f) => `error DEV_REPLICA_EXPIRE_FAILED: ${f.replica.replicaId} (${f.replica.region}): ${f.error}`);
      return replicasPage(c, {
        result: html`<section class="card">
          <h2>Expire</h2>
          <p data-testid="expired">${summary}</p>
          ${lines([...formatDevReplicas(r.expired, ops.now()), ...log, ...failed])}
        </section>`,
      });
    } catch (err) {
      return replicasPage(c, { errors: { form: problemOf(err) } }, 400);
    }
  });

  app.get('/dr', (c) =>
    page(
      c,
      'DR status',
      'dr',
      html`<ul>
        ${deps.flavors.map((f) => html`<li><a href="/dr/${f.name}">${f.name}</a></li>`)}
      </ul>`,
    ),
  );

  app.get('/dr/:flavor', async (c) => {
    const flavor = flavorNamed(deps, c.req.param('flavor'));
    if (!flavor) return c.notFound();
    let body: Html;
    try {
      await credentials(flavor.primaryRegion);
      const lastFailover = new FailoverStateStore(ops.stateDir, flavor.name).read();
      const primary = await resolvePrimary(flavor, {
        route53: ops.clientsFor(flavor.primaryRegion).route53,
        hostedZoneId: ops.hostedZoneId,
        lastFailover,
      });
      const r = await drStatus(flavor, { clientsFor: ops.clientsFor, primary: primary.region, primarySource: primary.source, now: ops.now() });
      body = html`<p data-testid="dr-summary">
          primary ${r.primary} (from ${r.primarySource}), checked ${r.checkedAt}:
          <strong class="${r.breaches ? 'error' : 'ok'}">${r.breaches} breach(es)</strong> of the RPO.
        </p>
        ${primary.warning ? html`<p class="notice">primary not read from DNS: ${primary.warning}</p>` : ''}
        <table data-testid="dr-rows">
          <tr>
            <th>database</th>
            <th>region</th>
            <th>kind</th>
            <th>resource</th>
            <th>newest</th>
            <th>age (min)</th>
            <th>status</th>
            <th>note</th>
          </tr>
          ${r.rows.map(
            (row) =>
              html`<tr>
                <td>${row.database}</td>
                <td>${row.region}</td>
                <td>${row.kind}</td>
                <td>${row.resource}</td>
                <td>${row.newest ?? '—'}</td>
                <td>${row.ageMinutes ?? '—'}</td>
                <td class="${row.status === 'breached' ? 'error' : ''}">${row.status}</td>
                <td>${row.note ?? ''}</td>
              </tr>`,
          )}
        </table>
        ${r.skipped.length ? html`<p class="muted">not checked: ${r.skipped.map(skippedText).join('; ')}</p>` : ''}`;
    } catch (err) {
      if (!(err instanceof FlavorsError)) throw err;
      body = problemBox(problemOf(err));
    }
    return page(c, `DR status of ${flavor.name}`, 'dr', body);
  });
}

function skippedText(s: { database: string; platform: string; reason: string }): string {
  return `${s.database} (${s.platform}: ${s.reason})`;
}
