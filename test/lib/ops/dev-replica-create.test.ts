import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { createDevReplica, type CreateDeps } from '../../../lib/ops/dev-replica-create';
import { planDevReplica } from '../../../lib/ops/dev-replica-plan';
import { devReplicaRequest } from '../../../lib/ops/dev-replica-request';
import { findNodes, findVolumes } from '../../../lib/ops/ec2-inventory';
import { startPg, type EmbeddedPg } from '../../helpers/embedded-pg';
import { awsError } from './fake-aws';
import { ALIAS, buildDevWorld, SG, type DevWorld } from './dev-replica-world';
import { FLAVOR, NOW, PRIMARY, VIRGINIA_KEY } from './world';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

jest.setTimeout(20000);

let pg: EmbeddedPg;
let world: DevWorld;
let dir: string;
let log: string[];

// The copy "is" the embedded PostgreSQL: what booting does on AWS (the dev node's user data, RDS
// setting its new master password, CloudNativePG setting the owner's password) is applied to it.
async function setRole(role: string, password: string): Promise<void> {
  await pg.query(
    'postgres',
    `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${role}') THEN CREATE ROLE ${role}; END IF; END $$;
    ALTER ROLE ${role} WITH LOGIN SUPERUSER PASSWORD '${password.replace(/'/g, "''")}'`,
  );
}

beforeAll(async () => {
  pg = await startPg({ databases: ['app'] });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flavors-mask-'));
  fs.writeFileSync(
    path.join(dir, 'mask.sql'),
    "UPDATE customers SET email = 'user' || id || '@example.invalid';\nUPDATE customers SET name = 'Customer ' || id;\n",
  );
  fs.writeFileSync(path.join(dir, 'broken.sql'), "UPDATE customers SET email = 'masked';\nUPDATE customers SET no_such_column = 1;\n");
});
afterAll(async () => {
  await pg.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  for (const db of ['postgres', 'app']) {
    // One statement list per database: each pg.query is a connection of its own.
    await pg.query(
      db,
      `DROP TABLE IF EXISTS customers; CREATE TABLE customers (id int PRIMARY KEY, name text, email text);
      INSERT INTO customers VALUES (1, 'Ada Lovelace', 'ada@bank.example'), (2, 'Alan Turing', 'alan@bank.example')`,
    );
  }
  world = buildDevWorld();
  world.dev.rdsPort = pg.port;
  world.dev.onBoot = async (e) => {
    if (e.kind === 'rds') return setRole(e.username, e.password);
    const verifier = /ALTER ROLE "flavors_dev" WITH LOGIN SUPERUSER PASSWORD '([^']+)'/.exec(e.userData)?.[1];
    if (verifier) await setRole('flavors_dev', verifier);
  };
  for (const k of Object.values(world.kube)) {
    k.port = pg.port;
    k.onBoot = (e) => setRole(e.username, e.password);
  }
  log = [];
});
afterEach(() => world.restore());

const deps = (): CreateDeps => ({
  clientsFor: world.clientsFor,
  kubeFor: (r) => world.kube[r],
  log: (l) => log.push(l),
  rdsTls: false,
  poll: { sleep: () => Promise.resolve(), attempts: 10, delayMs: 1 },
  connectPoll: { sleep: () => Promise.resolve(), attempts: 3, delayMs: 1 },
});

async function run(database: string, maskFile?: string) {
  const req = devReplicaRequest({
    flavor: FLAVOR,
    database,
    region: PRIMARY,
    ttl: '8h',
    owner: 'alice',
    maskFile,
    cwd: dir,
    now: NOW,
    suffix: 'ab12',
  });
  const plan = await planDevReplica(req, { clientsFor: world.clientsFor, kubeFor: (r) => world.kube[r], ec2Port: pg.port });
  return { plan, result: createDevReplica(plan, req.mask, deps()) };
}

const emails = async (db = 'postgres') => (await pg.query<{ email: string }>(db, 'SELECT email FROM customers ORDER BY id')).map((r) => r.email);

describe('createDevReplica (EC2)', () => {
  test('Given a mask, when created, then a dev node from the newest snapshot runs masked data before the login is handed out', async () => {
    const { result } = await run('ledger', 'mask.sql');
    const handOut = await result;
    expect(handOut).toMatchObject({
      replicaId: 'dev-ledger-202506011200-ab12',
      host: '127.0.0.1',
      port: pg.port,
      user: 'flavors_dev',
      dbname: 'postgres',
      masked: true,
    });
    expect(await emails()).toEqual(['user1@example.invalid', 'user2@example.invalid']);
    const r = world.aws.region(PRIMARY);
    const [instanceId] = world.dev.runInputs.keys();
    const input = world.dev.runInputs.get(instanceId)!;
    expect(input).toMatchObject({
      InstanceType: 'r5.large',
      MetadataOptions: { HttpTokens: 'required' },
      DisableApiTermination: false,
      NetworkInterfaces: [{ SubnetId: 'subnet-p-private-a', Groups: [SG[PRIMARY].ledger], AssociatePublicIpAddress: false }],
      BlockDeviceMappings: [{ Ebs: { Encrypted: true, KmsKeyId: ALIAS } }],
    });
    const data = [...r.volumes.values()].find((v) => v.SnapshotId === 'snap-p0new' && v.Tags.some((t) => t.Key === 'flavors:dev-replica'))!;
    expect(data).toMatchObject({
      KmsKeyId: VIRGINIA_KEY,
      AvailabilityZone: 'us-east-1a',
      State: 'in-use',
      Attachments: [{ InstanceId: instanceId, Device: '/dev/sdf', State: 'attached' }],
    });
    expect(r.violations).toEqual([]);
    // The hand-out secret holds the password; nothing printed does, and the node only got its verifier.
    const secret = [...world.dev.secretsIn(PRIMARY).values()][0];
    expect(secret).toMatchObject({ Name: 'flavors/dev-replicas/dev-ledger-202506011200-ab12', KmsKeyId: ALIAS });
    const { password } = JSON.parse(secret.SecretString) as { password: string };
    expect(password).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(handOut.secretArn).toBe(secret.ARN);
    expect(log.join('\n')).not.toContain(password);
    const userData = Buffer.from(input.UserData!, 'base64').toString();
    expect(userData).not.toContain(password);
    expect(userData).toContain('SCRAM-SHA-256$4096:');
  });

  test("Given a dev node, when the DR tools look for the database's nodes and volumes, then they never see it", async () => {
    const { result } = await run('ledger');
    await result;
    const { ec2 } = world.clientsFor(PRIMARY);
    expect((await findNodes(ec2, PRIMARY, 'us-australia', 'ledger')).map((n) => n.instanceId)).toEqual(['i-p0', 'i-p1', 'i-p2']);
    expect((await findVolumes(ec2, PRIMARY, 'us-australia', 'ledger')).map((v) => v.volumeId)).toEqual(['vol-p0', 'vol-p1', 'vol-p2']);
  });

  test('Given a mask that fails, when created, then the node, its volumes and the secret are deleted and nothing is handed out', async () => {
    const { result } = await run('ledger', 'broken.sql');
    await expect(result).rejects.toMatchObject({
      code: 'DEV_REPLICA_MASK_FAILED',
      message: expect.stringMatching(/^broken\.sql: column "no_such_column" .*; the copy was deleted and nothing was handed out\.$/),
    });
    expect(await emails()).toEqual(['ada@bank.example', 'alan@bank.example']);
    const r = world.aws.region(PRIMARY);
    const [instanceId] = world.dev.runInputs.keys();
    expect(r.instances.get(instanceId)!.State).toBe('terminated');
    expect([...r.volumes.values()].filter((v) => v.Tags.some((t) => t.Key === 'flavors:dev-replica'))).toEqual([]);
    expect(world.dev.secretsIn(PRIMARY).size).toBe(0);
    expect([...r.volumes.keys()].sort()).toEqual(['vol-p0', 'vol-p1', 'vol-p2']);
    expect(log.some((l) => l.includes('ready'))).toBe(false);
  });

  test('Given no capacity for the node, when created, then the data volume already made is deleted', async () => {
    world.aws.failNext('RunInstances', awsError('InsufficientInstanceCapacity', 'We currently do not have sufficient r5.large capacity'));
    const { result } = await run('ledger');
    await expect(result).rejects.toMatchObject({
      code: 'DEV_REPLICA_CREATE_FAILED',
      message: expect.stringContaining('sufficient r5.large capacity; the copy was deleted'),
    });
    expect(world.aws.count('DeleteVolume')).toBe(1);
    expect([...world.aws.region(PRIMARY).volumes.keys()].sort()).toEqual(['vol-p0', 'vol-p1', 'vol-p2']);
  });

  test('Given the flavor key alias is missing in the region, when created, then the volume fails (as EBS does) and is deleted', async () => {
    world.aws.region(PRIMARY).aliases.clear();
    const { result } = await run('ledger');
    await expect(result).rejects.toMatchObject({ code: 'DEV_REPLICA_VOLUME_ERROR' });
    expect([...world.aws.region(PRIMARY).volumes.keys()].sort()).toEqual(['vol-p0', 'vol-p1', 'vol-p2']);
    expect(world.aws.count('RunInstances')).toBe(0);
  });
});

describe('createDevReplica (RDS)', () => {
  test(
    'Given a mask, when created, then the primary is restored to its latest ' +
      'time with protection off, masked, and the RDS-managed secret handed out',
    async () => {
      const { result } = await run('reports', 'mask.sql');
      const handOut = await result;
      expect(await emails()).toEqual(['user1@example.invalid', 'user2@example.invalid']);
      expect(world.dev.restoreInputs.get('dev-reports-202506011200-ab12')).toMatchObject({
        SourceDBInstanceIdentifier: 'reports-primary',
        UseLatestRestorableTime: true,
        DBInstanceClass: 'db.r5.large',
        MultiAZ: false,
        PubliclyAccessible: false,
        DeletionProtection: false,
        ManageMasterUserPassword: true,
        MasterUserSecretKmsKeyId: ALIAS,
        DBSubnetGroupName: 'flavors-dev-us-australia',
        VpcSecurityGroupIds: [SG[PRIMARY].reports],
      });
      const db = world.aws.rdsRegion(PRIMARY).instances.find((d) => d.DBInstanceIdentifier === handOut.replicaId)!;
      expect(db).toMatchObject({ KmsKeyId: VIRGINIA_KEY, DBInstanceStatus: 'available' });
      expect(handOut).toMatchObject({ user: 'flavors_admin', secretArn: db.MasterUserSecret!.SecretArn, host: '127.0.0.1', masked: true });
      expect(world.dev.dbSubnetGroups[PRIMARY].get('flavors-dev-us-australia')!.subnetIds).toEqual([
        'subnet-p-private-a',
        'subnet-p-private-b',
        'subnet-p-private-c',
      ]);
    },
  );

  test('Given a mask that fails, when created, then the DB instance is deleted without a final snapshot and nothing is handed out', async () => {
    const { result } = await run('reports', 'broken.sql');
    await expect(result).rejects.toMatchObject({ code: 'DEV_REPLICA_MASK_FAILED' });
    const del = world.aws.calls.find((c) => c.command === 'DeleteDBInstance')!;
    expect(del.input).toMatchObject({ DBInstanceIdentifier: 'dev-reports-202506011200-ab12', SkipFinalSnapshot: true });
    expect(world.aws.rdsRegion(PRIMARY).instances.find((d) => d.DBInstanceIdentifier === 'dev-reports-202506011200-ab12')?.DBInstanceStatus).toBe(
      'deleting',
    );
    expect(world.aws.rdsRegion(PRIMARY).instances.find((d) => d.DBInstanceIdentifier === 'reports-primary')?.DBInstanceStatus).toBe('available');
  });
});

describe('createDevReplica (k8s)', () => {
  test(
    'Given a mask, when created, then the Cluster recovers in the dev ' + 'namespace, is masked, and its login is stored in Secrets Manager',
    async () => {
      const { result } = await run('content', 'mask.sql');
      const handOut = await result;
      expect(handOut).toMatchObject({
        host: 'dev-content-202506011200-ab12-rw.flavors-dev-us-australia.svc',
        user: 'app',
        dbname: 'app',
        masked: true,
      });
      expect(await emails('app')).toEqual(['user1@example.invalid', 'user2@example.invalid']);
      const kube = world.kube[PRIMARY];
      expect(kube.find('Cluster', 'flavors-dev-us-australia', handOut.replicaId)?.status).toMatchObject({ readyInstances: 1 });
      expect(kube.find('Secret', 'flavors-dev-us-australia', `${handOut.replicaId}-login`)).toBeDefined();
      expect([...world.dev.secretsIn(PRIMARY).values()].map((s) => s.Name)).toEqual(['flavors/dev-replicas/dev-content-202506011200-ab12']);
    },
  );

  test('Given a mask that fails, when created, then every dev object and the secret are deleted and production snapshots stay', async () => {
    const { result } = await run('content', 'broken.sql');
    await expect(result).rejects.toMatchObject({ code: 'DEV_REPLICA_MASK_FAILED' });
    const kube = world.kube[PRIMARY];
    expect([...kube.objects.values()].filter((o) => o.metadata.labels?.['flavors/dev-replica'])).toEqual([]);
    expect([...kube.objects.values()].filter((o) => o.kind === 'VolumeSnapshot').length).toBe(3);
    expect(world.dev.secretsIn(PRIMARY).size).toBe(0);
    expect(await emails('app')).toEqual(['ada@bank.example', 'alan@bank.example']);
  });
});

test('Given a dev node, when described, then it carries the dev-replica tags only (no flavors:database, no snapshot target)', async () => {
  const { result } = await run('ledger');
  const { replicaId } = await result;
  const out = await world
    .clientsFor(PRIMARY)
    .ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:flavors:dev-replica', Values: [replicaId] }] }));
  const keys = out.Reservations![0].Instances![0].Tags!.map((t) => t.Key).sort();
  expect(keys).toEqual(['Name', 'flavors:dev-replica', 'flavors:dev-replica-source', 'flavors:expires-at', 'flavors:flavor', 'flavors:owner']);
});
