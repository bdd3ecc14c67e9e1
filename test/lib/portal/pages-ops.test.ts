import { startPg, type EmbeddedPg } from '../../helpers/embedded-pg';
import { buildDevWorld, type DevWorld } from '../ops/dev-replica-world';
import { testClients } from '../ops/fake-aws';
import { FakeKube } from '../ops/fake-kube';
import { buildWorld, NOW, PRIMARY } from '../ops/world';
import { fieldErrorIn, startPortalFixture, type PortalFixture } from './portal-fixture';

let p: PortalFixture;
let pg: EmbeddedPg;
let world: DevWorld | undefined;
let restore: (() => void) | undefined;
beforeAll(async () => {
  pg = await startPg({ databases: ['app'] });
  p = await startPortalFixture({
    ops: {
      clientsFor: testClients(),
      credentials: () => () => Promise.resolve({}),
      now: () => NOW,
      rdsTls: false,
      kubeFor: (r) => world!.kube[r] ?? new FakeKube(r),
      sleep: () => Promise.resolve(),
      poll: { attempts: 10, delayMs: 1 },
      connectPoll: { sleep: () => Promise.resolve(), attempts: 3, delayMs: 1 },
    },
  });
});
afterAll(async () => {
  await p.close();
  await pg.stop();
});
afterEach(() => {
  // An unexpected error is a test failure here (the 500 page hides it).
  expect(p.errors).toEqual([]);
  world?.restore();
  restore?.();
  world = undefined;
  restore = undefined;
});

function devWorld(): DevWorld {
  world = buildDevWorld();
  world.dev.rdsPort = pg.port;
  // The RDS copy "is" the embedded PostgreSQL: booting sets the master password RDS was given.
  world.dev.onBoot = async (e) => {
    if (e.kind !== 'rds') return;
    await pg.query(
      'postgres',
      `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${e.username}') THEN CREATE ROLE ${e.username}; END IF; END $$`,
    );
    await pg.query('postgres', `ALTER ROLE ${e.username} WITH LOGIN SUPERUSER PASSWORD '${e.password.replace(/'/g, "''")}'`);
  };
  return world;
}

describe('DR status page', () => {
  test("Given the fake account, when a flavor's DR page opens, then every restore point is listed against the RPO", async () => {
    const aws = buildWorld();
    restore = aws.install().restore;
    const body = await (await p.get('/dr/us-australia', 'user-global')).text();
    expect(body).toContain('primary us-east-1 (from flavor-file)');
    expect(body).toContain('0 breach(es)');
    expect(body).toContain('<td>snap-c0new</td>');
    expect(body).toContain('<td>reports-replica</td>');
  });
});

describe('dev replicas page', () => {
  test('Given the fake account, when a plan is asked for, then the plan shows and nothing is created', async () => {
    const w = devWorld();
    const r = await p.post('/dev-replicas/plan', 'user-global', {
      flavor: 'us-australia',
      database: 'reports',
      region: PRIMARY,
      ttl: '8h',
      owner: 'alice',
    });
    expect(r.status).toBe(200);
    const body = await r.text();
    expect(body).toContain('data-testid="plan"');
    expect(body).toContain('reports-primary');
    expect(body).toContain('Creating needs an admin identity.');
    expect(w.aws.rdsRegion(PRIMARY).instances.filter((d) => d.DBInstanceIdentifier?.startsWith('dev-'))).toEqual([]);
  });

  test.each([
    [{ database: 'nope', region: PRIMARY, ttl: '8h' }, 'database', 'DEV_REPLICA_UNKNOWN_DATABASE'],
    [{ database: 'reports', region: 'eu-west-1', ttl: '8h' }, 'region', 'DEV_REPLICA_REGION_OUTSIDE_FLAVOR'],
    [{ database: 'reports', region: PRIMARY, ttl: '3w' }, 'ttl', 'DEV_REPLICA_TTL_INVALID'],
  ])('Given %j, when planned, then %s shows %s', async (form, field, code) => {
    devWorld();
    const r = await p.post('/dev-replicas/plan', 'user-global', { flavor: 'us-australia', owner: 'alice', ...form });
    expect(r.status).toBe(400);
    expect(fieldErrorIn(await r.text(), field)).toBe(code);
  });

  test('Given an admin, when a dev replica of the RDS database is created, then the copy exists and its login is handed out', async () => {
    const w = devWorld();
    const form = { flavor: 'us-australia', database: 'reports', region: PRIMARY, ttl: '8h', owner: 'alice' };
    expect((await p.post('/dev-replicas/create', 'user-global', form)).status).toBe(403);
    const r = await p.post('/dev-replicas/create', 'user-admin', form);
    const body = await r.text();
    expect(r.status).toBe(200);
    expect(body).toMatch(/Dev replica dev-reports-202506011200-[0-9a-f]+ is ready/);
    expect(body).toContain(`port:     ${pg.port}`);
    expect(w.aws.rdsRegion(PRIMARY).instances.some((d) => d.DBInstanceIdentifier?.startsWith('dev-reports-'))).toBe(true);
    // The list shows it, with its owner.
    expect(await (await p.get('/dev-replicas', 'user-global')).text()).toMatch(/dev-reports-202506011200-[0-9a-f]+/);
  });

  test('Given an expired dev replica, when expire runs as a dry run and for real, then it is only listed, then deleted', async () => {
    const w = devWorld();
    const expired = new Date(NOW.getTime() - 3_600_000).toISOString();
    w.aws.rdsRegion(PRIMARY).instances.push({
      DBInstanceIdentifier: 'dev-reports-old',
      DBInstanceArn: 'arn:aws:rds:us-east-1:333333333333:db:dev-reports-old',
      DBInstanceStatus: 'available',
      DeletionProtection: false,
      TagList: [
        { Key: 'flavors:flavor', Value: 'us-australia' },
        { Key: 'flavors:dev-replica', Value: 'dev-reports-old' },
        { Key: 'flavors:dev-replica-source', Value: 'reports' },
        { Key: 'flavors:owner', Value: 'bob' },
        { Key: 'flavors:expires-at', Value: expired },
      ],
    });
    expect((await p.post('/dev-replicas/expire', 'user-global', { dryRun: 'yes' })).status).toBe(403);
    const dry = await (await p.post('/dev-replicas/expire', 'user-admin', { dryRun: 'yes' })).text();
    expect(dry).toContain('1 dev replica(s) past their expiry would be deleted; nothing was deleted (dry run).');
    expect(w.aws.rdsRegion(PRIMARY).instances.some((d) => d.DBInstanceIdentifier === 'dev-reports-old')).toBe(true);
    const real = await (await p.post('/dev-replicas/expire', 'user-admin', {})).text();
    expect(real).toContain('1 expired dev replica(s) deleted');
    expect(w.aws.rdsRegion(PRIMARY).instances.find((d) => d.DBInstanceIdentifier === 'dev-reports-old')?.DBInstanceStatus ?? 'deleted').toMatch(
      /deleting|deleted/,
    );
  });
});
