/**
 * Server-rendered HTML with escaping by construction: every value interpolated into `html\`...\``
 * is escaped unless it is itself `Html` (built by this module), so no page can forget to escape.
 */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values. */
export function esc(value: string | number | boolean | null | undefined): string {
  return (value === null || value === undefined ? '' : String(value)).replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

function part(value: unknown): string {
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return value.map(part).join('');
  if (value === undefined || value === null || value === false) return '';
  return esc(value as string | number | boolean);
}

/** Tagged template: literal parts are trusted markup, interpolations are escaped (arrays are joined). */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += part(values[i]) + strings[i + 1];
  return new Html(out);
}

/** Markup this process produced itself (an SVG from Graphviz); never user input. */
export const trusted = (markup: string) => new Html(markup);

const CSS = `
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1b1f24;background:#f6f7f9}
header{background:#1f3a5f;color:#fff;padding:.6em 1.2em;display:flex;gap:1.2em;align-items:center;flex-wrap:wrap}
header a{color:#fff;text-decoration:none}header a.on{text-decoration:underline}header .who{margin-left:auto;display:flex;gap:.6em;align-items:center}
main{padding:1em 1.4em;max-width:1100px}h1{font-size:1.4em;margin:.2em 0 .6em}h2{font-size:1.15em;margin:1.2em 0 .4em}
section.card{background:#fff;border:1px solid #d8dde3;border-radius:6px;padding:.8em 1em;margin:0 0 1em}
table{border-collapse:collapse;background:#fff}td,th{border:1px solid #d8dde3;padding:.25em .6em;text-align:left;vertical-align:top}
form.inline{display:flex;gap:.6em;flex-wrap:wrap;align-items:flex-start}label{display:flex;flex-direction:column;font-size:.9em}
input,select{font:inherit;padding:.2em .4em}button{font:inherit;padding:.25em .9em;cursor:pointer}
.field-error{color:#a40000;font-size:.85em;max-width:28em}.error{color:#a40000}.ok{color:#0a6b2d}.muted{color:#5b6470}
.notice{background:#fff6d6;border:1px solid #e0c050;padding:.5em .8em;border-radius:4px}
.danger{background:#fde8e8;border:1px solid #d04040;padding:.6em .9em;border-radius:4px}
pre{background:#0f1720;color:#e6edf3;padding:.7em;overflow:auto;font-size:.85em;white-space:pre-wrap}code{font-size:.92em}
.picture svg{max-width:100%;height:auto}
`;

export interface LayoutProps {
  readonly title: string;
  readonly body: Html;
  /** Signed-in user, shown in the header with a sign-out form. */
  readonly user?: { readonly userId: string; readonly admin: boolean };
  /** CSRF token of the sign-out form. */
  readonly csrf?: string;
  /** Which header link is current. */
  readonly nav?: string;
}

const NAV: readonly [string, string][] = [
  ['flavors', 'Flavors'],
  ['spaces', 'Clients and spaces'],
  ['databases', 'Databases'],
  ['dev-replicas', 'Dev replicas'],
  ['dr', 'DR status'],
];

export function layout(props: LayoutProps): string {
  const who = props.user
    ? html`<span class="who"
        ><span data-testid="who">${props.user.userId}${props.user.admin ? ' (admin)' : ''}</span>
        <form method="post" action="/logout">${csrfField(props.csrf ?? '')}<button>Sign out</button></form></span
      >`
    : html``;
  return `<!doctype html>${
    html`<html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width" />
        <title>${props.title} · flavors portal</title>
        <style>
          ${trusted(CSS)}
        </style>
      </head>
      <body>
        <header>
          <strong>flavors portal</strong
          >${props.user ? NAV.map(([key, label]) => html`<a href="/${key}" class="${props.nav === key ? 'on' : ''}">${label}</a>`) : ''}${who}
        </header>
        <main>
          <h1>${props.title}</h1>
          ${props.body}
        </main>
      </body>
    </html>`.value
  }`;
}

/** The hidden CSRF field every form carries. */
export const csrfField = (token: string) => html`<input type="hidden" name="csrf" value="${token}" />`;

/** A field's error, with its code, right after the field. */
export function fieldError(error: { readonly code: string; readonly message: string } | undefined, field: string): Html {
  return error ? html`<span class="field-error" data-error-for="${field}"><code>${error.code}</code> ${error.message}</span>` : html``;
}
