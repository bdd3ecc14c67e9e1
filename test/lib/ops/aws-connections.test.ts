import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { defineFlavor } from '../../../lib/flavor/define-flavor';
import { awsConnectionFallback } from '../../../lib/ops/aws-connections';
import { connectionResolver } from '../../../lib/ops/connections';

const rds = mockClient(RDSClient);
const secrets = mockClient(SecretsManagerClient);
const CREDS = { region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } };
const PASSWORD = 'p@ss:w/rd%1';
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:111111111111:secret:rds!db-abc-123456';

const FLAVOR = defineFlavor({
  name: 'us-australia',
  residency: { countries: ['US', 'AU'] },
  regions: [
    { region: 'us-east-1', role: 'primary' },
    { region: 'ap-southeast-2', role: 'fallback' },
  ],
  databases: {
    reports: { platform: 'rds', engine: 'postgres', instanceType: 'db.r5.large', storageGiB: 100 },
    ledger: { platform: 'ec2', engine: 'postgres', instanceType: 'r5.large', nodes: 3, volume: { sizeGiB: 100 } },
  },
});

const tags = (database: string) => [
  { Key: 'flavors:flavor', Value: 'us-australia' },
  { Key: 'flavors:database', Value: database },
];
const fallback = (sslRootCertFile?: string) =>
  awsConnectionFallback({
    flavors: [FLAVOR],
    rds: (region) => new RDSClient({ ...CREDS, region }),
    secrets: (region) => new SecretsManagerClient({ ...CREDS, region }),
    sslRootCertFile,
  });
const REF = { flavor: 'us-australia', region: 'us-east-1', database: 'reports' };

beforeEach(() => {
  rds.reset();
  secrets.reset();
  rds.on(DescribeDBInstancesCommand).resolves({
    DBInstances: [
      { DBInstanceIdentifier: 'other', TagList: tags('billing'), Endpoint: { Address: 'other.rds', Port: 5432 } },
      {
        DBInstanceIdentifier: 'reports-replica',
        ReadReplicaSourceDBInstanceIdentifier: 'arn:src',
        TagList: tags('reports'),
        Endpoint: { Address: 'replica.rds', Port: 5432 },
      },
      {
        DBInstanceIdentifier: 'reports',
        TagList: tags('reports'),
        DBName: 'reports',
        Endpoint: { Address: 'reports.abc.us-east-1.rds.amazonaws.com', Port: 5433 },
        MasterUserSecret: { SecretArn: SECRET_ARN },
      },
    ],
  });
  secrets.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({ SecretString: JSON.stringify({ username: 'flavors', password: PASSWORD }) });
});
afterAll(() => {
  rds.restore();
  secrets.restore();
});

describe('awsConnectionFallback', () => {
  test('Given an RDS database of the flavor, then the URL is its writer endpoint with the RDS-managed secret, encoded', async () => {
    const url = await fallback()(REF);
    expect(url).toBe(`postgresql://flavors:${encodeURIComponent(PASSWORD)}@reports.abc.us-east-1.rds.amazonaws.com:5433/reports?sslmode=no-verify`);
    expect(decodeURIComponent(new URL(url!).password)).toBe(PASSWORD);
    expect(await fallback('/etc/rds/global-bundle.pem')(REF)).toMatch(/\?sslmode=verify-full&sslrootcert=%2Fetc%2Frds%2Fglobal-bundle\.pem$/);
  });

  test('databases on EC2 or unknown ones have no discoverable endpoint: undefined, and the resolver asks for a file entry', async () => {
    expect(await fallback()({ ...REF, database: 'ledger' })).toBeUndefined();
    expect(await fallback()({ ...REF, flavor: 'atlantis' })).toBeUndefined();
    expect(rds.calls()).toHaveLength(0);
    await expect(connectionResolver(new Map(), fallback())({ ...REF, database: 'ledger' })).rejects.toMatchObject({
      code: 'CONNECTION_MISSING',
      message: expect.stringContaining('us-australia/us-east-1/ledger'),
    });
  });

  test('no writer instance tagged for the database: undefined', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [] });
    expect(await fallback()(REF)).toBeUndefined();
  });

  test.each([
    [
      'RDS fails',
      () => rds.on(DescribeDBInstancesCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' })),
      /cannot find us-australia\/us-east-1\/reports in RDS \(us-east-1\): AccessDenied: denied/,
    ],
    [
      'the secret cannot be read',
      () => secrets.on(GetSecretValueCommand).rejects(Object.assign(new Error('nope'), { name: 'AccessDeniedException' })),
      /cannot read the secret of us-australia\/us-east-1\/reports/,
    ],
    [
      'the secret is not JSON',
      () => secrets.on(GetSecretValueCommand).resolves({ SecretString: PASSWORD }),
      /is not a JSON object with username and password/,
    ],
  ])('when %s: CONNECTION_LOOKUP_FAILED naming the key, never the password', async (_name, arrange, message) => {
    arrange();
    const err = await fallback()(REF).catch((e: Error) => e);
    expect(err).toMatchObject({ code: 'CONNECTION_LOOKUP_FAILED', message: expect.stringMatching(message) });
    expect((err as Error).message).not.toContain(PASSWORD);
  });
});
