import * as fs from 'fs';
import * as path from 'path';
import { fieldErrorIn, ROOT, startPortalFixture, type PortalFixture } from './portal-fixture';
import { csrfToken, IDENTITY_COOKIE, LOGIN_CSRF_COOKIE } from '../../../lib/portal/session';

let p: PortalFixture;
beforeAll(async () => {
  p = await startPortalFixture();
});
afterAll(async () => p.close());

const text = async (r: Response | Promise<Response>) => (await r).text();

describe('identity', () => {
  test('Given no token, when a page is opened, then the browser is sent to the sign-in page', async () => {
    const r = await p.get('/spaces');
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe('/login');
  });

  test('Given a bearer token of another issuer, when a page is opened, then 401 with the code and no page content', async () => {
    const r = await p.app.request('/spaces', { headers: { authorization: 'Bearer not.a.token' } });
    expect(r.status).toBe(401);
    const body = await r.text();
    expect(body).toContain('PORTAL_SIGN_IN_REQUIRED');
    expect(body).not.toContain('s-global-1');
  });

  test('Given the sign-in form, when posted with its double-submit token, then the identity cookie is set (httpOnly, SameSite=Strict)', async () => {
    const form = await p.app.request('/login');
    const cookie = /flavors_portal_login_csrf=([^;]+)/.exec(form.headers.get('set-cookie') ?? '')![1];
    const r = await p.app.request('/login', {
      method: 'POST',
      body: new URLSearchParams({ userId: 'user-global', csrf: cookie }),
      headers: { cookie: `${LOGIN_CSRF_COOKIE}=${cookie}`, 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(r.status).toBe(303);
    const set = r.headers.get('set-cookie') ?? '';
    expect(set).toMatch(new RegExp(`${IDENTITY_COOKIE}=[^;]+;.*HttpOnly`));
    expect(set).toContain('SameSite=Strict');
    const identity = new RegExp(`${IDENTITY_COOKIE}=([^;]+)`).exec(set)![1];
    const page = await text(p.app.request('/spaces', { headers: { cookie: `${IDENTITY_COOKIE}=${identity}` } }));
    expect(page).toContain('s-global-1');
  });

  test(
    'Given the sign-in form, when posted without the cookie or with a ' + 'malformed user id, then 403 / the id error next to the field, escaped',
    async () => {
      const missing = await p.app.request('/login', {
        method: 'POST',
        body: new URLSearchParams({ userId: 'user-global', csrf: 'x' }),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(missing.status).toBe(403);
      expect(await missing.text()).toContain('PORTAL_CSRF_INVALID');
      const r = await p.app.request('/login', {
        method: 'POST',
        body: new URLSearchParams({ userId: '<script>alert(1)</script>', csrf: 'abc' }),
        headers: { cookie: `${LOGIN_CSRF_COOKIE}=abc`, 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(r.status).toBe(400);
      const body = await r.text();
      expect(fieldErrorIn(body, 'userId')).toBe('LOOKUP_ID_INVALID');
      expect(body).not.toContain('<script>alert');
      expect(body).toContain('&lt;script&gt;');
    },
  );
});

describe('flavors page', () => {
  test('Given the repository flavors, when the page is opened, then each has a server-rendered SVG picture and its facts', async () => {
    const body = await text(p.get('/flavors', 'user-global'));
    for (const name of ['global', 'us-australia', 'germany-belgium']) expect(body).toContain(`data-testid="picture-${name}"><svg`);
    expect(body).toContain('us-east-1 → ap-southeast-2');
    expect(body).toContain('automatic: us-east-1 → ap-southeast-2');
    const svg = await p.get('/flavors/us-australia.svg', 'user-global');
    expect(svg.headers.get('content-type')).toContain('image/svg+xml');
    expect(await svg.text()).toContain('snapshot copy');
  });
});

describe('clients and spaces', () => {
  test('Given an admin, when a client, a space and a grant are created, then the granted user sees the space and its route', async () => {
    const client = await p.post('/clients', 'user-admin', { clientId: 'c-acme', flavor: 'us-australia' });
    expect(client.status).toBe(200);
    expect(await client.text()).toContain('Created client <strong>c-acme</strong>');
    const space = await text(p.post('/spaces', 'user-admin', { spaceId: 's-acme-1', clientId: 'c-acme' }));
    expect(space).toContain('home us-east-1, epoch 1');
    expect(await text(p.get('/spaces', 'user-acme'))).toContain('No space is granted to user-acme');
    const grant = await text(p.post('/spaces/s-acme-1/grants', 'user-admin', { userId: 'user-acme' }));
    expect(grant).toContain('Granted user-acme space s-acme-1.');
    const list = await text(p.get('/spaces', 'user-acme'));
    expect(list).toContain('href="/spaces/s-acme-1"');
    expect(list).not.toContain('s-global-1');
    const show = await text(p.get('/spaces/s-acme-1', 'user-acme'));
    expect(show).toContain('https://us-east-1.us-australia.flavors.example.com');
    expect(show).toContain('<li>user-acme</li>');
    expect(show).not.toContain('Grant a user');
  });

  test.each([
    ['/clients', { clientId: 'Bad_Id', flavor: 'global' }, 'clientId', 'LOOKUP_ID_INVALID', 400],
    ['/clients', { clientId: 'c-global', flavor: 'global' }, 'clientId', 'LOOKUP_CLIENT_EXISTS', 409],
    ['/clients', { clientId: 'c-new', flavor: 'atlantis' }, 'flavor', 'LOOKUP_FLAVOR_UNKNOWN', 400],
    ['/spaces', { spaceId: 'S_X', clientId: 'c-global' }, 'spaceId', 'LOOKUP_ID_INVALID', 400],
    ['/spaces', { spaceId: 's-orphan', clientId: 'c-nobody' }, 'clientId', 'LOOKUP_CLIENT_NOT_FOUND', 400],
    ['/spaces', { spaceId: 's-global-1', clientId: 'c-global' }, 'spaceId', 'LOOKUP_SPACE_EXISTS', 409],
  ])('Given a bad form to %s (%j), when posted, then the field %s shows %s', async (url, form, field, code, status) => {
    const r = await p.post(url, 'user-admin', form);
    expect(r.status).toBe(status);
    const body = await r.text();
    expect(fieldErrorIn(body, field)).toBe(code);
    // The values typed are kept in the form.
    expect(body).toContain(`value="${Object.values(form)[0]}"`);
  });

  test('Given a bad user id, when granted, then LOOKUP_ID_INVALID next to the field and nothing is written', async () => {
    const r = await p.post('/spaces/s-global-1/grants', 'user-admin', { userId: 'has space' });
    expect(r.status).toBe(400);
    expect(fieldErrorIn(await r.text(), 'userId')).toBe('LOOKUP_ID_INVALID');
    expect((await p.deps.store.listGrants('s-global-1')).map((g) => g.userId)).toEqual(['user-global']);
  });

  test("Given a user without a grant, when they open another client's space, then the answer is byte-identical to a missing space", async () => {
    const other = await p.get('/spaces/s-us-australia-1', 'user-global');
    const missing = await p.get('/spaces/s-does-not-exist', 'user-global');
    expect(other.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(await other.text()).toBe(await missing.text());
    const list = await text(p.get('/spaces', 'user-global'));
    expect(list).not.toMatch(/us-australia-[12]|c-us-australia/);
  });

  test('Given a non-admin, when they post an admin form with a valid CSRF token, then 403 PORTAL_ADMIN_REQUIRED and nothing is written', async () => {
    for (const [url, form] of [
      ['/clients', { clientId: 'c-sneaky', flavor: 'global' }],
      ['/spaces', { spaceId: 's-sneaky', clientId: 'c-global' }],
      ['/spaces/s-global-1/grants', { userId: 'user-sneaky' }],
    ] as const) {
      const r = await p.post(url, 'user-global', form);
      expect(r.status).toBe(403);
      expect(await r.text()).toContain('PORTAL_ADMIN_REQUIRED');
    }
    expect(await p.deps.store.getClient('c-sneaky')).toBeUndefined();
    expect(await p.deps.store.getSpace('s-sneaky')).toBeUndefined();
    expect((await p.deps.store.listGrants('s-global-1')).map((g) => g.userId)).toEqual(['user-global']);
  });

  test.each([
    ['missing', null],
    ['wrong', 'forged-token'],
    ["another session's", 'USE_OTHER'],
  ])('Given a %s CSRF token, when an admin form is posted, then 403 and nothing is written', async (_what, csrf) => {
    let token = csrf;
    if (csrf === 'USE_OTHER') {
      token = csrfToken(Buffer.from('another-secret'), await p.token('user-admin'));
    }
    const r = await p.post('/clients', 'user-admin', { clientId: 'c-csrf', flavor: 'global' }, token);
    expect(r.status).toBe(403);
    expect(await r.text()).toContain('PORTAL_CSRF_INVALID');
    expect(await p.deps.store.getClient('c-csrf')).toBeUndefined();
  });

  test("Given any page, when rendered, then every form carries the session's CSRF token", async () => {
    for (const url of ['/spaces', '/spaces/s-global-1', '/databases/global', '/dev-replicas', '/spaces/s-global-1/move']) {
      const body = await text(p.get(url, 'user-admin'));
      const forms = body.match(/<form method="post"/g)?.length ?? 0;
      expect(forms).toBeGreaterThan(0);
      expect(body.match(/name="csrf" value="[A-Za-z0-9_-]{43}"/g)?.length).toBe(forms);
    }
  });
});

describe('databases', () => {
  const file = path.join(ROOT, 'flavors', 'global.ts');

  test("Given a new database request, when previewed and downloaded, then the diff is the CLI's edit and the working tree is untouched", async () => {
    const before = fs.readFileSync(file, 'utf-8');
    const form = { action: 'add', name: 'search', platform: 'rds', engine: 'postgres', sizeGiB: '50', mode: 'preview' };
    const body = await text(p.post('/databases/global', 'user-global', form));
    expect(body).toContain('--- a/flavors/global.ts');
    expect(body).toMatch(/\+\s+search: \{ platform: &#39;rds&#39;/);
    const patch = await p.post('/databases/global', 'user-global', { ...form, mode: 'patch' });
    expect(patch.headers.get('content-disposition')).toBe('attachment; filename="flavors-db-add-global-search.patch"');
    expect(await patch.text()).toMatch(/^--- a\/flavors\/global\.ts\n\+\+\+ b\/flavors\/global\.ts\n@@/);
    expect(fs.readFileSync(file, 'utf-8')).toBe(before);
  });

  test.each([
    [{ action: 'add', name: 'ledger' }, 'name', 'DB_ALREADY_EXISTS'],
    [{ action: 'add', name: 'search', platform: 'rds', sizeGiB: 'lots' }, 'sizeGiB', 'DB_SIZE_INVALID'],
    [{ action: 'resize', name: 'nope', sizeGiB: '10' }, 'name', 'DB_NOT_FOUND'],
    [{ action: 'add', name: 'search', platform: 'mainframe' }, 'platform', 'DB_PLATFORM_INVALID'],
  ])('Given %j, when previewed, then %s shows %s', async (form, field, code) => {
    const r = await p.post('/databases/global', 'user-global', { ...form, mode: 'preview' });
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(fieldErrorIn(await r.text(), field)).toBe(code);
  });

  test('Given a branch request, when not admin then 403; when the branch name is invalid then DB_BRANCH_INVALID next to it', async () => {
    const form = { action: 'resize', name: 'ledger', sizeGiB: '600', mode: 'branch', branch: 'bad..name' };
    expect((await p.post('/databases/global', 'user-global', form)).status).toBe(403);
    expect(fieldErrorIn(await text(p.post('/databases/global', 'user-admin', form)), 'branch')).toBe('DB_BRANCH_INVALID');
  });
});

describe('errors', () => {
  test('Given no AWS credentials, when the DR and dev replica pages open, then they render and say OPS_NO_CREDENTIALS', async () => {
    for (const url of ['/dr/us-australia', '/dev-replicas']) {
      const r = await p.get(url, 'user-global');
      expect(r.status).toBe(200);
      expect(await r.text()).toContain('<code>OPS_NO_CREDENTIALS</code>');
    }
  });

  test('Given an unexpected failure, when a page fails, then 500 with a code and a reference, never a stack', async () => {
    // Given the same portal whose credentials check throws (a second app over the same store)
    const broken = p.withDeps({
      ops: {
        credentials: () => {
          throw new TypeError('boom at secret place');
        },
      },
    });
    const r = await broken.get('/dr/global', 'user-global');
    expect(r.status).toBe(500);
    const body = await r.text();
    expect(body).toContain('PORTAL_INTERNAL_ERROR');
    expect(body).not.toMatch(/boom|at .*\.ts:\d+/);
    expect(broken.errors).toHaveLength(1);
  });

  test('Given an unknown page, when opened, then 404 with its code', async () => {
    const r = await p.get('/nope', 'user-global');
    expect(r.status).toBe(404);
    expect(await r.text()).toContain('PORTAL_NOT_FOUND');
  });
});
