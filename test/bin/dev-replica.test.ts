import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { makeDevReplicaCommand } from '../../bin/commands/dev-replica';
import { startPg, type EmbeddedPg } from '../helpers/embedded-pg';
import { bufferIo, runWithoutCredentials } from '../lib/ops/cli-helpers';
import { FakeKube } from '../lib/ops/fake-kube';
import { buildDevWorld, type DevWorld } from '../lib/ops/dev-replica-world';
import { NOW, PRIMARY } from '../lib/ops/world';

jest.setTimeout(60000);

// `bin/flavors` resolves to the .js launcher (tsx + main()); the dispatcher itself is the .ts module.
const { runCli } = jest.requireActual<typeof import('../../bin/flavors')>('../../bin/flavors.ts');

let pg: EmbeddedPg;
let world: DevWorld;
let cwd: string;

beforeAll(async () => {
  pg = await startPg();
  cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'flavors-cli-dev-'));
  fs.symlinkSync(path.join(__dirname, '..', '..', 'flavors'), path.join(cwd, 'flavors'));
  fs.writeFileSync(path.join(cwd, 'mask.sql'), "UPDATE customers SET email = 'user' || id || '@example.invalid';\n");
});
afterAll(async () => {
  await pg.stop();
  fs.rmSync(cwd, { recursive: true, force: true });
});
/** A fresh fake AWS account and customers table; the bad-input tests below fail before either is reached and go without. */
async function freshWorld(): Promise<void> {
  await pg.query(
    'postgres',
    "DROP TABLE IF EXISTS customers; CREATE TABLE customers (id int, email text); INSERT INTO customers VALUES (1, 'ada@bank.example')",
  );
  world = buildDevWorld();
  world.dev.onBoot = async (e) => {
    const verifier = e.kind === 'ec2' ? /PASSWORD '([^']+)'/.exec(e.userData)?.[1] : e.password;
    const role = e.kind === 'ec2' ? 'flavors_dev' : e.username;
    await pg.query(
      'postgres',
      `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${role}') THEN CREATE ROLE ${role}; END IF; END $$;
      ALTER ROLE ${role} WITH LOGIN SUPERUSER PASSWORD '${verifier!}'`,
    );
  };
}

const devReplica = () =>
  makeDevReplicaCommand({
    clientsFor: (r) => world.clientsFor(r),
    credentials: () => () => Promise.resolve({}),
    now: () => NOW,
    sleep: () => Promise.resolve(),
    poll: { attempts: 10, delayMs: 1 },
    connectPoll: { sleep: () => Promise.resolve(), attempts: 3, delayMs: 1 },
    kubeFor: (r) => (world.kube[r] ??= new FakeKube(r)),
    ec2Port: pg.port,
    rdsTls: false,
    replicaSuffix: 'ab12',
  });

describe('flavors dev-replica (bad input, real CLI)', () => {
  test('Given no AWS credentials, when creating, then OPS_NO_CREDENTIALS on one line and exit 1', () => {
    const r = runWithoutCredentials(['dev-replica', 'create', 'us-australia', 'ledger', '--region', 'us-east-1', '--ttl', '8h']);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^error OPS_NO_CREDENTIALS: no AWS credentials found/);
  });
});

describe('flavors dev-replica (bad input, in process)', () => {
  test.each([
    [['create', 'us-australia', 'ledger', '--region', 'eu-west-1', '--ttl', '8h'], 'DEV_REPLICA_REGION_OUTSIDE_FLAVOR'],
    [['create', 'us-australia', 'nope', '--region', 'us-east-1', '--ttl', '8h'], 'DEV_REPLICA_UNKNOWN_DATABASE'],
    [['create', 'nope', 'ledger', '--region', 'us-east-1', '--ttl', '8h'], 'OPS_UNKNOWN_FLAVOR'],
    [['create', 'us-australia', 'ledger', '--region', 'us-east-1', '--ttl', '30d'], 'DEV_REPLICA_TTL_INVALID'],
    [['create', 'us-australia', 'ledger', '--region', 'us-east-1'], 'DEV_REPLICA_TTL_INVALID'],
    [['create', 'us-australia', 'ledger', '--region', 'us-east-1', '--ttl', '8h', '--mask', 'nope.sql'], 'DEV_REPLICA_MASK_MISSING'],
    [['create', 'us-australia'], 'CLI_BAD_ARGUMENTS'],
    [['delete', 'x'], 'CLI_BAD_ARGUMENTS'],
    [['list', '--flavor', 'nope'], 'OPS_UNKNOWN_FLAVOR'],
  ])('Given %p, then %s on one line, exit 1, nothing written', async (args, code) => {
    const { io, out, err } = bufferIo(cwd);
    await expect(runCli(['dev-replica', ...args], io)).resolves.toBe(1);
    expect(out).toEqual([]);
    expect(err).toHaveLength(1);
    expect(err[0].startsWith(`error ${code}: `)).toBe(true);
    expect(fs.readdirSync(cwd).sort()).toEqual(['flavors', 'mask.sql']);
  });
});

describe('flavors dev-replica create', () => {
  beforeEach(freshWorld);
  afterEach(() => world.restore());

  test('Given no --execute, when run, then the plan is printed and nothing is created', async () => {
    const { io, out, err } = bufferIo(cwd);
    await expect(
      devReplica()(['create', 'us-australia', 'ledger', '--region', PRIMARY, '--ttl', '8h', '--owner', 'alice', '--mask', 'mask.sql'], io),
    ).resolves.toBe(0);
    expect(err).toEqual([]);
    expect(out[0]).toBe('Dev replica plan: dev-ledger-202506011200-ab12 (us-australia/ledger in us-east-1, ec2)');
    expect(out).toContain('  mask:     mask.sql runs before anything is handed out; if it fails the copy is deleted');
    expect(out.at(-1)).toBe('Nothing was created. Rerun with --execute to create it.');
    expect(world.aws.calls.filter((c) => !/^(Describe|List|Get)/.test(c.command))).toEqual([]);
  });

  test('Given --execute and a mask, when run, then the copy is masked and handed out by secret, never by password', async () => {
    const { io, out } = bufferIo(cwd);
    await expect(
      devReplica()(
        ['create', 'us-australia', 'ledger', '--region', PRIMARY, '--ttl', '8h', '--owner', 'alice', '--mask', 'mask.sql', '--execute'],
        io,
      ),
    ).resolves.toBe(0);
    expect(await pg.query('postgres', 'SELECT email FROM customers')).toEqual([{ email: 'user1@example.invalid' }]);
    const secret = [...world.dev.secretsIn(PRIMARY).values()][0];
    const { password } = JSON.parse(secret.SecretString) as { password: string };
    expect(out.join('\n')).not.toContain(password);
    expect(out.slice(-7)).toEqual([
      'Dev replica dev-ledger-202506011200-ab12 is ready (masked):',
      '  host:     127.0.0.1',
      `  port:     ${pg.port}`,
      '  database: postgres',
      '  user:     flavors_dev',
      `  password: in Secrets Manager ${secret.ARN} (aws secretsmanager get-secret-value --region us-east-1 --secret-id ${secret.ARN})`,
      '  expires:  2025-06-01T20:00:00.000Z',
    ]);
  });

  test('Given --json, when planning an RDS copy, then one JSON document with the plan', async () => {
    const { io, out } = bufferIo(cwd);
    await expect(
      devReplica()(['create', 'us-australia', 'reports', '--region', PRIMARY, '--ttl', '2d', '--owner', 'bob', '--json'], io),
    ).resolves.toBe(0);
    const doc = JSON.parse(out.join('\n')) as { plan: { platform: string; source: { instanceId: string }; expiresAt: string } };
    expect(doc.plan).toMatchObject({ platform: 'rds', source: { instanceId: 'reports-primary' }, expiresAt: '2025-06-03T12:00:00.000Z' });
  });
});

describe('flavors dev-replica list and expire', () => {
  beforeEach(freshWorld);
  afterEach(() => world.restore());

  test('Given a created copy, when listed and expired after its TTL, then it is shown and then deleted', async () => {
    await devReplica()(['create', 'us-australia', 'ledger', '--region', PRIMARY, '--ttl', '1h', '--owner', 'alice', '--execute'], bufferIo(cwd).io);
    const listed = bufferIo(cwd);
    await expect(devReplica()(['list', '--flavor', 'us-australia'], listed.io)).resolves.toBe(0);
    expect(listed.out[1]).toMatch(
      new RegExp(
        '^dev-ledger-202506011200-ab12 +us-east-1 +us-australia\\/ledger +alice +2025-06-01T13:00:00.000Z +instance i-dev\\d+ running, volume ' +
          'vol-[a-z0-9]+ in-use, volume vol-root-dev\\d+ in-use, secret arn:aws:secretsmanager:us-east-1:333333333333:secret:flavors\\/dev-repl' +
          'icas\\/dev-ledger-202506011200-ab12-\\w+ stored$',
      ),
    );

    const early = bufferIo(cwd);
    await expect(devReplica()(['expire'], early.io)).resolves.toBe(0);
    expect(early.out.at(-1)).toBe('0 expired dev replica(s) deleted, 1 kept.');

    const later = makeDevReplicaCommand({
      clientsFor: (r) => world.clientsFor(r),
      credentials: () => () => Promise.resolve({}),
      now: () => new Date(NOW.getTime() + 2 * 3_600_000),
      sleep: () => Promise.resolve(),
      poll: { attempts: 10, delayMs: 1 },
      kubeFor: (r) => (world.kube[r] ??= new FakeKube(r)),
    });
    const dry = bufferIo(cwd);
    await expect(later(['expire', '--dry-run'], dry.io)).resolves.toBe(0);
    expect(dry.out[0]).toBe('Would delete 1 expired dev replica(s):');
    expect(dry.out.at(-1)).toBe('Nothing was deleted (--dry-run).');
    const run = bufferIo(cwd);
    await expect(later(['expire'], run.io)).resolves.toBe(0);
    expect(run.out.at(-1)).toBe('1 expired dev replica(s) deleted, 0 kept.');
    const after = bufferIo(cwd);
    await later(['list'], after.io);
    expect(after.out).toEqual(['No dev replicas.']);
  });
});

describe('flavors dev-replica create (k8s manifests)', () => {
  beforeEach(freshWorld);
  afterEach(() => world.restore());

  test('Given --k8s-out, when planning a k8s copy, then the manifests are written as YAML without any password and nothing is applied', async () => {
    const { io, out } = bufferIo(cwd);
    const file = path.join(cwd, 'content-dev.yaml');
    try {
      await expect(
        devReplica()(['create', 'us-australia', 'content', '--region', PRIMARY, '--ttl', '8h', '--k8s-out', 'content-dev.yaml'], io),
      ).resolves.toBe(0);
      const yaml = fs.readFileSync(file, 'utf-8');
      expect(yaml.split('\n---\n').map((d) => /^kind: (\w+)$/m.exec(d)?.[1])).toEqual([
        'Namespace',
        'VolumeSnapshotContent',
        'VolumeSnapshot',
        'Cluster',
      ]);
      expect(yaml).toContain('snapshotHandle: snap-k8s-p-content-backup-2');
      expect(yaml).not.toMatch(/password/i);
      expect(out).toContain(
        '  manifests written to content-dev.yaml (without the login Secret dev-content-202506011200-ab12-login, which --execute creates)',
      );
      expect(world.kube[PRIMARY].calls.filter((c) => c.startsWith('apply'))).toEqual([]);
    } finally {
      fs.rmSync(file, { force: true });
    }
  });
});
