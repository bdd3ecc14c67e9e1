import { randomUUID } from 'crypto';
import { Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { FlavorsError } from '../errors';
import { requireId } from '../lookup/runtime/admin';
import type { PortalDeps, PortalEnv } from './context';
import { csrfField, fieldError, html, layout } from './html';
import { csrfToken, IDENTITY_COOKIE, LOGIN_CSRF_COOKIE, randomToken, sameToken, sessionTokenOf } from './session';
import { registerFlavorPages } from './pages-flavors';
import { registerDatabasePages } from './pages-databases';
import { registerOpsPages } from './pages-ops';
import { registerSpacePages } from './pages-spaces';
import { registerMovePages } from './pages-move';

/** Errors of the store or identity provider: the page says which, with the code, and answers 503. */
const UNAVAILABLE = new Set(['LOOKUP_STORE_UNAVAILABLE', 'LOOKUP_TABLE_NOT_FOUND', 'LOOKUP_IDENTITY_UNAVAILABLE']);

function bare(title: string, body: ReturnType<typeof html>): string {
  return layout({ title, body });
}

/**
 * The portal as a hono app: server-rendered pages over the same library calls as the CLI. Every
 * page but the sign-in needs a verified identity token; every POST needs the session's CSRF token;
 * admin actions need an admin identity. No response ever carries a stack trace.
 */
export function createPortalApp(deps: PortalDeps): Hono<PortalEnv> {
  const app = new Hono<PortalEnv>();
  const logError = deps.logError ?? ((id, err) => console.error(`portal error ${id}:`, err));

  app.onError((err, c) => {
    if (err instanceof FlavorsError && UNAVAILABLE.has(err.code)) {
      return c.html(bare('Service unavailable', html`<p class="error"><code>${err.code}</code> ${err.message}</p>`), 503);
    }
    const id = randomUUID();
    logError(id, err);
    return c.html(
      bare(
        'Something went wrong',
        html`<p class="error">
          <code>PORTAL_INTERNAL_ERROR</code> the portal failed on this request (reference ${id}); the details are in the portal's log.
        </p>`,
      ),
      500,
    );
  });
  app.notFound((c) => c.html(bare('Not found', html`<p class="error"><code>PORTAL_NOT_FOUND</code> no such page.</p>`), 404));

  app.get('/healthz', (c) => c.text('ok'));
  // Browsers ask for it unprompted; it must not bounce to the sign-in page.
  app.get('/favicon.ico', (c) => c.body(null, 204));

  const cookieOptions = { httpOnly: true, sameSite: 'Strict', path: '/', secure: deps.secureCookies === true } as const;
  const loginPage = (csrf: string, userId = '', error?: { code: string; message: string }) =>
    bare(
      'Sign in',
      html` <section class="card">
        <p class="muted">
          Local sign-in with the development identity issuer (the tokens <code>flavors dev-token</code> mints). Deployed, the portal takes the
          identity provider's token instead.
        </p>
        <form method="post" action="/login" class="inline">
          ${csrfField(csrf)}
          <label>User id <input name="userId" value="${userId}" autofocus />${fieldError(error, 'userId')}</label>
          <button type="submit">Sign in</button>
        </form>
      </section>`,
    );

  app.get('/login', (c) => {
    if (!deps.devIdentity)
      return c.html(bare('Sign in', html`<p><code>PORTAL_SIGN_IN_REQUIRED</code> sign in through your identity provider.</p>`), 401);
    // Reuse the cookie a tab already has: two sign-in pages open at once must both work.
    const existing = getCookie(c, LOGIN_CSRF_COOKIE);
    const token = existing && /^[A-Za-z0-9_-]{43}$/.test(existing) ? existing : randomToken();
    setCookie(c, LOGIN_CSRF_COOKIE, token, cookieOptions);
    return c.html(loginPage(token));
  });
  app.post('/login', async (c) => {
    if (!deps.devIdentity) return c.notFound();
    const form = await c.req.parseBody();
    const expected = getCookie(c, LOGIN_CSRF_COOKIE);
    if (!expected || !sameToken(expected, form.csrf)) return c.html(CSRF_REFUSED, 403);
    const userId = typeof form.userId === 'string' ? form.userId.trim() : '';
    try {
      requireId('userId', userId);
    } catch (err) {
      if (!(err instanceof FlavorsError)) throw err;
      return c.html(loginPage(expected, userId, { code: err.code, message: err.message }), 400);
    }
    setCookie(c, IDENTITY_COOKIE, await deps.devIdentity.mint(userId), cookieOptions);
    deleteCookie(c, LOGIN_CSRF_COOKIE, { path: '/' });
    return c.redirect('/spaces', 303);
  });

  // Everything below needs a verified identity.
  app.use('*', async (c, next) => {
    // hono types a '*' middleware's context with an `any` input; getCookie reads only headers
    // eslint-disable-next-line @typescript-eslint/no-unsafe-argument
    const token = sessionTokenOf(c.req.header('authorization'), getCookie(c, IDENTITY_COOKIE));
    let userId: string | undefined;
    if (token) {
      try {
        userId = (await deps.identity.verify(token)).userId;
      } catch (err) {
        if (!(err instanceof FlavorsError) || err.code !== 'LOOKUP_UNAUTHENTICATED') throw err;
      }
    }
    if (!token || !userId) {
      if (c.req.method === 'GET' && deps.devIdentity && !c.req.header('authorization')) return c.redirect('/login', 303);
      return c.html(
        bare('Sign in required', html`<p class="error"><code>PORTAL_SIGN_IN_REQUIRED</code> sign in with a valid identity token.</p>`),
        401,
      );
    }
    c.set('user', { userId, admin: deps.admins.has(userId) });
    c.set('csrf', csrfToken(deps.csrfSecret, token));
    if (c.req.method === 'POST') {
      const body = await c.req.parseBody();
      if (!sameToken(c.get('csrf'), body.csrf)) return c.html(CSRF_REFUSED, 403);
      c.set('form', Object.fromEntries(Object.entries(body).map(([k, v]) => [k, typeof v === 'string' ? v : ''])));
    }
    await next();
    return undefined;
  });

  app.get('/', (c) => c.redirect('/flavors', 303));
  app.post('/logout', (c) => {
    deleteCookie(c, IDENTITY_COOKIE, { path: '/' });
    return c.redirect('/login', 303);
  });
  registerFlavorPages(app, deps);
  registerSpacePages(app, deps);
  registerMovePages(app, deps);
  registerDatabasePages(app, deps);
  registerOpsPages(app, deps);
  return app;
}

const CSRF_REFUSED = bare(
  'Refused',
  html`<p class="error"><code>PORTAL_CSRF_INVALID</code> the form's CSRF token is missing or wrong; reload the page and submit again.</p>`,
);
