import { makeDrCommand } from '../../bin/commands/dr';
import { testClients, type FakeAws } from '../lib/ops/fake-aws';
import { buildWorld, NOW, type WorldOptions } from '../lib/ops/world';
import { bufferIo, runWithoutCredentials } from '../lib/ops/cli-helpers';

let aws: FakeAws;
let mocks: { restore: () => void } | undefined;
afterEach(() => mocks?.restore());

function world(options: WorldOptions = {}): void {
  aws = buildWorld(options);
  mocks = aws.install();
}

const dr = makeDrCommand({ clientsFor: testClients(), credentials: () => () => Promise.resolve({}), now: () => NOW });

describe('flavors dr status', () => {
  test('prints the restore points per database and region and exits 0 when the RPO is met', async () => {
    world();
    const { io, out, err } = bufferIo();
    await expect(dr(['status', 'us-australia'], io)).resolves.toBe(0);
    // cdk.json names the hosted zone, so the primary comes from the DNS records
    expect(out[0]).toMatch(/^us-australia: primary us-east-1 \(Route 53 PRIMARY record\); RPO 3h/);
    expect(out.some((l) => /^ledger +ap-southeast-2 +copy +copy of node 0 +snap-c0new .* 30m +MET$/.test(l))).toBe(true);
    expect(
      out.some((l) =>
        /^reports +ap-southeast-2 +replica +reports-replica +replica-lag .* 1m +MET +replica reports-replica replicating; lag 20 s$/.test(l),
      ),
    ).toBe(true);
    expect(out.at(-1)).toBe('RPO met');
    expect(err).toEqual([]);
  });

  test('exits 1 on a breach', async () => {
    world({ snapshotAgeMinutes: 400 });
    const { io, out } = bufferIo();
    await expect(dr(['status', 'us-australia'], io)).resolves.toBe(1);
    expect(out.at(-1)).toMatch(/^RPO BREACHED: 6 restore point\(s\) missing or older than 3h$/);
  });

  test('a replica lagging more than the RPO, or not replicating, is a breach: exit 1 with the reason in its row', async () => {
    world({ rdsReplicaLagSeconds: 4 * 3600 });
    const lagging = bufferIo();
    await expect(dr(['status', 'us-australia'], lagging.io)).resolves.toBe(1);
    expect(
      lagging.out.some((l) =>
        /^reports +ap-southeast-2 +replica +reports-replica +replica-lag .* 4h1m +BREACHED +replica reports-replica replicating; lag 14400 s$/.test(
          l,
        ),
      ),
    ).toBe(true);
    expect(lagging.out.at(-1)).toBe('RPO BREACHED: 1 restore point(s) missing or older than 3h');

    mocks?.restore();
    world({ rdsReplicationError: 'Replication has stopped.' });
    const broken = bufferIo();
    await expect(dr(['status', 'us-australia'], broken.io)).resolves.toBe(1);
    expect(
      broken.out.some((l) =>
        new RegExp(
          '^reports +ap-southeast-2 +replica +reports-replica +- +- +- +BREACHED +replica reports-replica error \\(Replication has ' +
            'stopped\\.\\); lag 20 s; replication state error is not normal; nothing shows how recent the data is$',
        ).test(l),
      ),
    ).toBe(true);
  });

  test('--json prints the report as JSON', async () => {
    world();
    const { io, out } = bufferIo();
    await expect(dr(['status', 'us-australia', '--json'], io)).resolves.toBe(0);
    const report = JSON.parse(out.join('\n'));
    expect(report).toMatchObject({ flavor: 'us-australia', primary: 'us-east-1', primarySource: 'dns', breaches: 0, rpo: { minutes: 180 } });
    expect(report.rows).toHaveLength(8);
  });

  test('bad arguments and unknown flavors are one-line errors with a code', async () => {
    world();
    const { io } = bufferIo();
    await expect(dr(['us-australia'], io)).rejects.toMatchObject({ code: 'CLI_BAD_ARGUMENTS' });
    await expect(dr(['status', 'atlantis'], io)).rejects.toMatchObject({
      code: 'OPS_UNKNOWN_FLAVOR',
      message: expect.stringContaining('known: germany-belgium, global, us-australia'),
    });
    expect(aws.calls).toEqual([]);
  });

  test('credentials are checked before anything is read', async () => {
    world();
    const noCreds = makeDrCommand({
      clientsFor: testClients(),
      credentials: () => () => Promise.reject(new Error('Could not load credentials from any providers')),
      now: () => NOW,
    });
    await expect(noCreds(['status', 'us-australia'], bufferIo().io)).rejects.toMatchObject({ code: 'OPS_NO_CREDENTIALS' });
    expect(aws.calls).toEqual([]);
  });
});

describe('the real CLI without AWS credentials', () => {
  test('dr status says so in one line and exits 1', () => {
    const { status, stdout, stderr } = runWithoutCredentials(['dr', 'status', 'us-australia']);
    expect(status).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^error OPS_NO_CREDENTIALS: no AWS credentials found \(.*\); configure a profile or AWS_\* variables$/),
    ]);
  });
});
