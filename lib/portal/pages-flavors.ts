import type { Hono } from 'hono';
import { snapshotCopyDestinations } from '../backup/copy-destinations';
import type { Flavor } from '../flavor/types';
import { flavorNamed, page, type PortalDeps, type PortalEnv } from './context';
import { dnsFailoverOrder, renderFlavorSvg } from './flavor-picture';
import { html, trusted } from './html';

/** The SVG element alone: an inline picture has no XML prolog or doctype. */
const inlineSvg = (svg: string) => svg.slice(svg.indexOf('<svg'));

function residency(f: Flavor): string {
  return f.residency === 'global' ? 'global (no country constraint)' : `countries ${f.residency.countries.join(', ')}`;
}

/** The flavors page: each flavor's picture (SVG rendered here) and the facts it shows, as text too. */
export function registerFlavorPages(app: Hono<PortalEnv>, deps: PortalDeps): void {
  app.get('/flavors', async (c) => {
    const cards = await Promise.all(
      deps.flavors.map(
        async (f) =>
          html` <section class="card" id="flavor-${f.name}">
            <h2>${f.name}</h2>
            <p>${f.description}</p>
            <div class="picture" data-testid="picture-${f.name}">${trusted(inlineSvg(await renderFlavorSvg(f, deps.endpointZone)))}</div>
            <table>
              <tr>
                <th>residency</th>
                <td>${residency(f)}</td>
              </tr>
              <tr>
                <th>primary</th>
                <td>${f.primaryRegion}</td>
              </tr>
              <tr>
                <th>fallbacks</th>
                <td>${f.fallbackRegions.join(', ') || 'none (single region)'}</td>
              </tr>
              <tr>
                <th>snapshot copies</th>
                <td>${f.regions.map((r) => `${r.region} → ${snapshotCopyDestinations(f, r.region).join(', ') || 'none'}`).join('; ')}</td>
              </tr>
              <tr>
                <th>DNS failover</th>
                <td>${f.failover.dns}: ${dnsFailoverOrder(f, deps.endpointZone).join(' → ')}</td>
              </tr>
              <tr>
                <th>databases</th>
                <td>
                  ${Object.keys(f.databases).join(', ') || 'none'} (<a href="/databases/${f.name}">request a change</a>,
                  <a href="/dr/${f.name}">DR status</a>)
                </td>
              </tr>
            </table>
          </section>`,
      ),
    );
    return page(c, 'Flavors', 'flavors', html`${cards}`);
  });

  app.get('/flavors/:name{[a-z0-9-]+\\.svg}', async (c) => {
    const flavor = flavorNamed(deps, c.req.param('name').replace(/\.svg$/, ''));
    if (!flavor) return c.notFound();
    return c.body(await renderFlavorSvg(flavor, deps.endpointZone), 200, { 'content-type': 'image/svg+xml; charset=utf-8' });
  });
}
