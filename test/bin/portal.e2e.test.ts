// `flavors portal` as a user meets it: the real CLI on 127.0.0.1 with its embedded, seeded store,
// driven by Debian's chromium (playwright-core, no browser download). Saves a screenshot of each
// page under docs/portal/ (the README shows them).
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startPg, type EmbeddedPg } from '../helpers/embedded-pg';

const ROOT = path.resolve(__dirname, '../..');
const SHOTS = path.join(ROOT, 'docs', 'portal');
const TABLE = 'CREATE TABLE orders (id int PRIMARY KEY, space_id text NOT NULL, amount int NOT NULL)';

let pg: EmbeddedPg;
let portal: ChildProcess;
let browser: Browser;
let url: string;
let cwd: string;
const stderr: string[] = [];

beforeAll(async () => {
  // The move copies rows between real PostgreSQL databases: global's and us-australia's, both homed in us-east-1.
  pg = await startPg({ databases: ['g_ledger', 'g_content', 'u_ledger', 'u_content'] });
  for (const db of ['g_ledger', 'g_content', 'u_ledger', 'u_content']) await pg.query(db, TABLE);
  cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-e2e-'));
  fs.mkdirSync(path.join(cwd, '.flavors'));
  fs.writeFileSync(
    path.join(cwd, '.flavors', 'connections.json'),
    JSON.stringify({
      'global/us-east-1/ledger': pg.url('g_ledger'),
      'global/us-east-1/content': pg.url('g_content'),
      'us-australia/us-east-1/ledger': pg.url('u_ledger'),
      'us-australia/us-east-1/content': pg.url('u_content'),
    }),
  );
  portal = spawn(
    process.execPath,
    [path.join(ROOT, 'bin', 'flavors.js'), 'portal', '--port', '0', '--json', '--dir', path.join(ROOT, 'flavors'), '--admin', 'user-admin'],
    {
      cwd,
      env: {
        ...process.env,
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_ACCESS_KEY_ID: '',
        AWS_SECRET_ACCESS_KEY: '',
        AWS_PROFILE: 'flavors-e2e-none',
        AWS_CONFIG_FILE: '/dev/null',
        AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  portal.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()));
  url = await new Promise<string>((resolve, reject) => {
    let out = '';
    portal.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve((JSON.parse(line) as { url: string }).url);
    });
    portal.once('exit', (code) => reject(new Error(`portal exited ${code}: ${stderr.join('')}`)));
  });
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-gpu', '--no-first-run'],
  });
  fs.mkdirSync(SHOTS, { recursive: true });
}, 60000);

afterAll(async () => {
  await browser?.close();
  if (portal && portal.exitCode === null) {
    const exited = new Promise((resolve) => portal.once('exit', resolve));
    portal.kill('SIGTERM');
    await exited;
  }
  await pg?.stop();
  fs.rmSync(cwd, { recursive: true, force: true });
  // No page ever failed unexpectedly.
  expect(stderr.join('')).not.toContain('PORTAL_INTERNAL_ERROR');
});

async function signIn(userId: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  page.setDefaultTimeout(10000);
  await page.goto(`${url}/spaces`);
  expect(page.url()).toBe(`${url}/login`);
  await page.fill('input[name=userId]', userId);
  await page.click('button[type=submit]');
  await page.waitForURL(`${url}/spaces`);
  return page;
}

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
const errorFor = (page: Page, field: string) => page.locator(`[data-error-for="${field}"] code`).first().textContent();

describe('flavors portal in Chromium', () => {
  test("Given an admin, when they create a client, a space and a grant, then the granted user signs in and sees the space's route", async () => {
    const admin = await signIn('user-admin');
    await admin.fill('form[action="/clients"] input[name=clientId]', 'c-e2e');
    await admin.selectOption('form[action="/clients"] select[name=flavor]', 'global');
    await admin.click('form[action="/clients"] button');
    await admin.getByTestId('done').waitFor();
    expect(await admin.getByTestId('done').textContent()).toContain('Created client c-e2e in flavor global');
    await admin.fill('form[action="/spaces"] input[name=spaceId]', 's-e2e-1');
    await admin.fill('form[action="/spaces"] input[name=clientId]', 'c-e2e');
    await admin.click('form[action="/spaces"] button');
    expect(await admin.getByTestId('done').textContent()).toContain('Created space s-e2e-1: home us-east-1, epoch 1');
    await shot(admin, 'spaces');
    await admin.click('a[href="/spaces/s-e2e-1"]');
    await admin.fill('input[name=userId]', 'user-e2e');
    await admin.click('form[action="/spaces/s-e2e-1/grants"] button');
    expect(await admin.getByTestId('done').textContent()).toBe('Granted user-e2e space s-e2e-1.');
    await admin.close();

    const user = await signIn('user-e2e');
    expect(await user.getByTestId('spaces').locator('a').allTextContents()).toEqual(['s-e2e-1']);
    await user.click('a[href="/spaces/s-e2e-1"]');
    expect(await user.getByTestId('endpoint').textContent()).toBe('https://us-east-1.global.flavors.example.com');
    expect(await user.getByTestId('grants').textContent()).toContain('user-e2e');
    await shot(user, 'space');
    await user.close();
  });

  test("Given a bad client id, when submitted, then the field shows the CLI's error code next to it", async () => {
    const admin = await signIn('user-admin');
    await admin.fill('form[action="/clients"] input[name=clientId]', 'Not Valid');
    await admin.click('form[action="/clients"] button');
    expect(await errorFor(admin, 'clientId')).toBe('LOOKUP_ID_INVALID');
    expect(await admin.inputValue('form[action="/clients"] input[name=clientId]')).toBe('Not Valid');
    await shot(admin, 'field-error');
    await admin.close();
  });

  test(
    "Given a user granted only another client's space, when they look " + 'around, then nothing of c-e2e shows and its space is not found',
    async () => {
      const page = await signIn('user-us-australia');
      const body = await page.content();
      expect(body).not.toMatch(/s-e2e-1|c-e2e|s-global-/);
      const r = await page.goto(`${url}/spaces/s-e2e-1`);
      expect(r!.status()).toBe(404);
      expect(await page.content()).not.toContain('s-e2e-1');
      await page.close();
    },
  );

  test(
    'Given rows of s-e2e-1, when the admin moves it without and then ' + 'with the data-loss confirmation, then only the confirmed move runs',
    async () => {
      await pg.query('g_ledger', "INSERT INTO orders VALUES (1, 's-e2e-1', 10), (2, 's-e2e-1', 20), (3, 's-other', 30)");
      const admin = await signIn('user-admin');
      await admin.goto(`${url}/spaces/s-e2e-1/move`);
      await admin.selectOption('select[name=toFlavor]', 'us-australia');
      await admin.click('form[action$="/move/plan"] button');
      expect(await admin.getByTestId('move-plan').textContent()).toContain('global (home us-east-1) -> us-australia (home us-east-1)');
      expect(await admin.getByTestId('move-plan').textContent()).toContain('2 rows in 1 table');
      await shot(admin, 'move-plan');

      await admin.click('form[action$="/move/execute"] button');
      expect(await errorFor(admin, 'confirmDataLoss')).toBe('PORTAL_MOVE_NOT_CONFIRMED');
      expect(await pg.query('u_ledger', 'SELECT id FROM orders')).toEqual([]);

      await admin.check('input[name=confirmDataLoss]');
      await admin.click('form[action$="/move/execute"] button');
      expect(await admin.getByTestId('done').textContent()).toBe('Moved s-e2e-1 to us-australia.');
      expect((await pg.query<{ id: number }>('u_ledger', 'SELECT id FROM orders ORDER BY id')).map((r) => r.id)).toEqual([1, 2]);
      expect((await pg.query<{ id: number }>('g_ledger', 'SELECT id FROM orders ORDER BY id')).map((r) => r.id)).toEqual([3]);
      await admin.goto(`${url}/spaces/s-e2e-1`);
      expect(await admin.getByTestId('endpoint').textContent()).toBe('https://us-east-1.us-australia.flavors.example.com');
      expect(Number(await admin.getByTestId('epoch').textContent())).toBeGreaterThan(1);
      await admin.close();
    },
  );

  test('Given the other pages, when opened, then they render (DR says OPS_NO_CREDENTIALS without AWS) and are saved as screenshots', async () => {
    const page = await signIn('user-admin');
    await shot(page, 'login-then-spaces');
    await page.goto(`${url}/flavors`);
    expect(await page.locator('[data-testid^=picture-] svg').count()).toBe(3);
    await shot(page, 'flavors');
    await page.goto(`${url}/databases/us-australia`);
    await page.fill('input[name=name]', 'search');
    await page.selectOption('select[name=platform]', 'rds');
    await page.fill('input[name=engine]', 'postgres');
    await page.fill('input[name=sizeGiB]', '50');
    await page.click('button[value=preview]');
    expect(await page.getByTestId('diff').textContent()).toContain('+    search: {');
    await shot(page, 'databases');
    await page.goto(`${url}/dev-replicas`);
    expect(await page.getByTestId('problem').textContent()).toContain('OPS_NO_CREDENTIALS');
    await shot(page, 'dev-replicas');
    await page.goto(`${url}/dr/us-australia`);
    expect(await page.getByTestId('problem').textContent()).toContain('OPS_NO_CREDENTIALS');
    await shot(page, 'dr');
    await page.close();
  });
});
