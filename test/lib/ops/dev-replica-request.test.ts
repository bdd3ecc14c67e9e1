import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DB_NODE_FLEET_DEFAULTS, ENGINE_PORTS, MANAGED_DATABASE_DEFAULTS } from '../../../lib/database/defaults';
import germanyBelgium from '../../../flavors/germany-belgium';
import { defineFlavor } from '../../../lib/flavor';
import { FLAVOR_KEY_DEFAULTS } from '../../../lib/keys/defaults';
import { DEV_REPLICA_DEFAULTS } from '../../../lib/ops/dev-replica-defaults';
import { flavorKeyAlias } from '../../../lib/ops/dev-replica-network';
import { devReplicaRequest, newReplicaId, parseTtl } from '../../../lib/ops/dev-replica-request';
import { scramVerifier } from '../../../lib/ops/dev-replica-secret';
import { FLAVOR, NOW } from './world';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flavors-req-'));
  fs.writeFileSync(path.join(dir, 'mask.sql'), 'UPDATE customers SET email = NULL;\n');
  fs.writeFileSync(path.join(dir, 'empty.sql'), '  \n');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const input = (over: Partial<Parameters<typeof devReplicaRequest>[0]> = {}) => ({
  flavor: FLAVOR,
  database: 'ledger',
  region: 'us-east-1',
  ttl: '8h',
  owner: 'alice',
  cwd: dir,
  now: NOW,
  suffix: 'ab12',
  ...over,
});

describe('parseTtl', () => {
  test.each([
    ['1h', 1],
    ['8h', 8],
    ['2d', 48],
    ['7d', 168],
    ['168h', 168],
  ])('Given --ttl %s, then %d hours', (ttl, hours) => {
    expect(parseTtl(ttl)).toBe(hours);
  });
  test.each(['0h', '169h', '8d', '30m', '8', 'h', '1.5h', '-1h', ''])('Given --ttl %p, then DEV_REPLICA_TTL_INVALID', (ttl) => {
    expect(() => parseTtl(ttl)).toThrow(
      expect.objectContaining({
        code: 'DEV_REPLICA_TTL_INVALID',
        message: `--ttl '${ttl}' must be whole hours or days from 1h to 7d (e.g. 8h, 2d).`,
      }),
    );
  });
  test('Given no --ttl, then DEV_REPLICA_TTL_INVALID saying it is required', () => {
    expect(() => parseTtl(undefined)).toThrow('--ttl is required: how long the copy may live, from 1h to 7d (e.g. --ttl 8h).');
  });
});

describe('devReplicaRequest', () => {
  test('Given good input, then the id, owner, expiry and mask are set', () => {
    const req = devReplicaRequest(input({ maskFile: 'mask.sql' }));
    expect(req).toMatchObject({
      replicaId: 'dev-ledger-202506011200-ab12',
      region: 'us-east-1',
      regionRole: 'primary',
      owner: 'alice',
      expiresAt: new Date('2025-06-01T20:00:00Z'),
    });
    expect(req.mask).toEqual({ file: 'mask.sql', sql: 'UPDATE customers SET email = NULL;\n' });
  });

  test.each([
    [
      { database: 'nope' },
      'DEV_REPLICA_UNKNOWN_DATABASE',
      "flavor us-australia has no database 'nope' (known: ledger, content, reports); pass one of them.",
    ],
    [{ region: undefined }, 'DEV_REPLICA_REGION_REQUIRED', "--region is required: one of us-australia's regions (us-east-1, ap-southeast-2)."],
    [
      { region: 'eu-west-1' },
      'DEV_REPLICA_REGION_OUTSIDE_FLAVOR',
      '--region eu-west-1 is not a region of us-australia (us-east-1, ap-southeast-2); a copy of its data may only live there.',
    ],
    [{ ttl: '9d' }, 'DEV_REPLICA_TTL_INVALID', "--ttl '9d' must be whole hours or days from 1h to 7d (e.g. 8h, 2d)."],
    [{ owner: 'a<b>' }, 'DEV_REPLICA_OWNER_INVALID', "--owner 'a<b>' must be 1-128 letters, digits, spaces or _.:/=+-@ (it becomes a tag value)."],
    [{ maskFile: 'missing.sql' }, 'DEV_REPLICA_MASK_MISSING', '--mask missing.sql: no such file; pass the SQL file that masks the copy.'],
    [
      { maskFile: 'empty.sql' },
      'DEV_REPLICA_MASK_EMPTY',
      '--mask empty.sql is empty; an empty mask would hand out unmasked data. Write the masking SQL or leave --mask out.',
    ],
  ])('Given %p, then %s', (over, code, message) => {
    expect(() => devReplicaRequest(input(over))).toThrow(expect.objectContaining({ code, message }));
  });

  test('Given an ec2 MySQL fleet, then DEV_REPLICA_ENGINE_UNSUPPORTED', () => {
    const flavor = defineFlavor({
      name: 'mysql-fleet',
      residency: 'global',
      regions: [{ region: 'us-east-1', role: 'primary' }],
      databases: { orders: { platform: 'ec2', engine: 'mysql', instanceType: 'r5.large', nodes: 1, volume: { sizeGiB: 100 } } },
    });
    expect(() => devReplicaRequest(input({ flavor, database: 'orders' }))).toThrow(
      expect.objectContaining({ code: 'DEV_REPLICA_ENGINE_UNSUPPORTED' }),
    );
  });

  test('Given a mask for a MySQL database, then DEV_REPLICA_MASK_ENGINE', () => {
    expect(() => devReplicaRequest(input({ flavor: germanyBelgium, database: 'reports', region: 'eu-central-1', maskFile: 'mask.sql' }))).toThrow(
      expect.objectContaining({ code: 'DEV_REPLICA_MASK_ENGINE' }),
    );
  });
});

describe('newReplicaId', () => {
  test('Given a camelCase database with underscores, then a lowercase id usable as RDS identifier, tag and Kubernetes name', () => {
    const id = newReplicaId('ledger_Archive2024Q1', NOW, 'ff00');
    expect(id).toBe('dev-ledger-archive2024-q1-202506011200-ff00');
    expect(id).toMatch(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
  });
  test('Given a very long database name, then the id stays within 63 characters', () => {
    expect(newReplicaId('x'.repeat(100), NOW, 'ff00').length).toBeLessThanOrEqual(63);
  });
});

describe('defaults copied to keep aws-cdk-lib out of the ops tools', () => {
  test("Then they equal the data plane's own", () => {
    expect(DEV_REPLICA_DEFAULTS.machineImageParameter).toBe(DB_NODE_FLEET_DEFAULTS.machineImageParameter);
    expect(DEV_REPLICA_DEFAULTS.rdsMasterUsername).toBe(MANAGED_DATABASE_DEFAULTS.masterUsername);
    expect(DEV_REPLICA_DEFAULTS.port).toEqual({ postgres: ENGINE_PORTS.postgres.client[0].from, mysql: MANAGED_DATABASE_DEFAULTS.port.mysql });
    expect(flavorKeyAlias('x')).toBe(`${FLAVOR_KEY_DEFAULTS.aliasPrefix}x`);
  });
});

describe('scramVerifier', () => {
  // RFC 7677 §3: user "user", password "pencil", salt W22ZaJ0SNY7soEsUEjb6gQ==, 4096 iterations; the
  // server signature there is HMAC(ServerKey, AuthMessage), so check ServerKey through it.
  test('Given the RFC 7677 example, then ServerKey reproduces its server signature', () => {
    const { createHmac } = jest.requireActual<typeof import('crypto')>('crypto');
    const verifier = scramVerifier('pencil', Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'));
    const [, keys] = verifier.split('$').slice(1);
    const serverKey = Buffer.from(keys.split(':')[1], 'base64');
    const authMessage =
      'n=user,r=rOprNGfwEbeRWgbNEkqO,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,' +
      'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0';
    expect(createHmac('sha256', serverKey).update(authMessage).digest('base64')).toBe('6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=');
    expect(verifier.startsWith('SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$')).toBe(true);
  });
});
