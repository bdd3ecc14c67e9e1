import * as fs from 'fs';
import * as path from 'path';
import { EC2_DATABASE_REQUEST_DEFAULTS, RDS_DATABASE_REQUEST_DEFAULTS } from '../../../lib/database/defaults';
import { loadFlavorFile } from '../../../lib/flavor/load-flavors';
import type { Flavor } from '../../../lib/flavor/types';
import { K8S_DATABASE_REQUEST_DEFAULTS } from '../../../lib/k8s/defaults';
import { describeChange, parsePositiveInt, planDatabaseRequest, type DatabaseRequest } from '../../../lib/requests/database-request';
import { applyEdits } from '../../../lib/requests/flavor-file-edit';
import { ROOT } from '../../helpers/run-cli';

const file = path.join(ROOT, 'flavors', 'us-australia.ts');
const text = fs.readFileSync(file, 'utf-8');
const flavor: Flavor = loadFlavorFile(file).flavor!;
const plan = (request: DatabaseRequest) => planDatabaseRequest('flavors/us-australia.ts', text, flavor, request);
const refusal = (request: DatabaseRequest) => {
  try {
    plan(request);
  } catch (err) {
    return err as { code: string; message: string };
  }
  throw new Error('expected a refusal');
};

describe('planDatabaseRequest', () => {
  test.each([
    [
      'ec2',
      {
        platform: 'ec2',
        engine: 'postgres',
        instanceType: EC2_DATABASE_REQUEST_DEFAULTS.instanceType,
        nodes: EC2_DATABASE_REQUEST_DEFAULTS.nodes,
        volume: { sizeGiB: EC2_DATABASE_REQUEST_DEFAULTS.volumeSizeGiB },
      },
      [
        'instanceType r5n.large (default for ec2, lib/database/defaults.ts)',
        'nodes 3 (default for ec2, lib/database/defaults.ts)',
        'volume.sizeGiB 100 (default for ec2, lib/database/defaults.ts)',
      ],
    ],
    [
      'rds',
      {
        platform: 'rds',
        engine: 'postgres',
        instanceType: RDS_DATABASE_REQUEST_DEFAULTS.instanceType,
        storageGiB: RDS_DATABASE_REQUEST_DEFAULTS.storageGiB,
      },
      ['instanceType db.r5.large (default for rds, lib/database/defaults.ts)', 'storageGiB 100 (default for rds, lib/database/defaults.ts)'],
    ],
    [
      'k8s',
      {
        platform: 'k8s',
        engine: 'postgres',
        instances: K8S_DATABASE_REQUEST_DEFAULTS.instances,
        storageGiB: K8S_DATABASE_REQUEST_DEFAULTS.storageGiB,
      },
      ['instances 3 (default for k8s, lib/k8s/defaults.ts)', 'storageGiB 100 (default for k8s, lib/k8s/defaults.ts)'],
    ],
  ])(
    'Given only platform %s and engine, when added, then every other field comes from its area defaults and is reported',
    (platform, expected, chosen) => {
      const change = plan({ kind: 'add', name: 'search', platform, engine: 'postgres' });
      expect(change.after).toEqual(expected);
      expect(change.chosen).toEqual(chosen);
    },
  );

  test('Given every flag, when added, then nothing is chosen for the user and --size-gib becomes volume.sizeGiB on ec2', () => {
    const change = plan({ kind: 'add', name: 'search', platform: 'ec2', engine: 'mysql', instanceType: 'r5.2xlarge', nodes: 2, sizeGiB: 750 });
    expect(change.after).toEqual({ platform: 'ec2', engine: 'mysql', instanceType: 'r5.2xlarge', nodes: 2, volume: { sizeGiB: 750 } });
    expect(change.chosen).toEqual([]);
    expect(describeChange(change)).toBe('add us-australia/search: ec2 mysql 2 x r5.2xlarge, 750 GiB each');
  });

  test('Given a resize of the rds database, when the class and storage grow, then only those fields change', () => {
    const change = plan({ kind: 'resize', name: 'reports', instanceType: 'db.r5.xlarge', sizeGiB: 200 });
    expect(change.after).toEqual({ platform: 'rds', engine: 'postgres', instanceType: 'db.r5.xlarge', storageGiB: 200 });
    expect(applyEdits(text, change.edits)).toBe(
      text.replace("instanceType: 'db.r5.large', storageGiB: 100", "instanceType: 'db.r5.xlarge', storageGiB: 200"),
    );
  });

  test.each<[string, DatabaseRequest, string, RegExp]>([
    [
      'shrinking an ec2 volume',
      { kind: 'resize', name: 'ledger', sizeGiB: 499 },
      'DB_VOLUME_SHRINK_REFUSED',
      /ledger volume\.sizeGiB is 500 GiB; volumes only grow .*Pass --size-gib 500 or more/,
    ],
    ['shrinking rds storage', { kind: 'resize', name: 'reports', sizeGiB: 50 }, 'DB_VOLUME_SHRINK_REFUSED', /reports storageGiB is 100 GiB/],
    ['shrinking k8s storage', { kind: 'resize', name: 'content', sizeGiB: 10 }, 'DB_VOLUME_SHRINK_REFUSED', /content storageGiB is 200 GiB/],
    [
      'changing the engine',
      { kind: 'resize', name: 'reports', engine: 'mysql' },
      'DB_ENGINE_CHANGE_REFUSED',
      /would replace the database and its data/,
    ],
    [
      'changing the platform',
      { kind: 'resize', name: 'ledger', platform: 'rds' },
      'DB_PLATFORM_CHANGE_REFUSED',
      /would create a new, empty database/,
    ],
    [
      'resizing an unknown database',
      { kind: 'resize', name: 'nope', sizeGiB: 10 },
      'DB_NOT_FOUND',
      /us-australia has no database 'nope' \(it has: ledger, content, reports\)/,
    ],
    ['removing an unknown database', { kind: 'remove', name: 'nope', confirmRetain: true }, 'DB_NOT_FOUND', /has no database 'nope'/],
    [
      'adding a name that exists',
      { kind: 'add', name: 'ledger', platform: 'k8s', engine: 'postgres' },
      'DB_ALREADY_EXISTS',
      /already has a database 'ledger'/,
    ],
    [
      'a name that is no identifier',
      { kind: 'add', name: 'my-db', platform: 'k8s', engine: 'postgres' },
      'DB_NAME_INVALID',
      /'my-db' must be camelCase/,
    ],
    [
      'removing without --confirm-retain',
      { kind: 'remove', name: 'ledger', confirmRetain: false },
      'DB_REMOVE_NOT_CONFIRMED',
      /pass --confirm-retain/,
    ],
    [
      'an unknown platform',
      { kind: 'add', name: 'x', platform: 'vm', engine: 'postgres' },
      'DB_PLATFORM_INVALID',
      /--platform must be ec2, rds or k8s, got 'vm'/,
    ],
    ['no engine', { kind: 'add', name: 'x', platform: 'rds' }, 'DB_ENGINE_REQUIRED', /--engine is required/],
    [
      '--nodes on k8s',
      { kind: 'add', name: 'x', platform: 'k8s', engine: 'postgres', nodes: 3 },
      'DB_OPTION_NOT_FOR_PLATFORM',
      /--nodes is for ec2 databases; k8s takes --instances/,
    ],
    [
      '--instances on ec2',
      { kind: 'resize', name: 'ledger', instances: 3 },
      'DB_OPTION_NOT_FOR_PLATFORM',
      /--instances is for k8s databases; ec2 takes --nodes/,
    ],
    [
      '--instance-type on k8s',
      { kind: 'resize', name: 'content', instanceType: 'r5.large' },
      'DB_OPTION_NOT_FOR_PLATFORM',
      /--instance-type is for ec2 and rds/,
    ],
    [
      'a fractional size',
      { kind: 'add', name: 'x', platform: 'rds', engine: 'postgres', sizeGiB: 1.5 },
      'DB_SIZE_INVALID',
      /--size-gib must be a whole number above 0/,
    ],
    [
      'a resize that changes nothing',
      { kind: 'resize', name: 'content', instances: 3, sizeGiB: 200 },
      'DB_RESIZE_NO_CHANGE',
      /already has these values/,
    ],
  ])('Given %s, when planned, then it is refused with a stable code', (_what, request, code, message) => {
    const err = refusal(request);
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
  });

  test.each([['0'], ['-5'], ['1.5'], ['ten'], ['']])('Given --size-gib %j, when parsed, then DB_SIZE_INVALID', (raw) => {
    expect(() => parsePositiveInt('--size-gib', raw)).toThrow(expect.objectContaining({ code: 'DB_SIZE_INVALID' }));
  });

  test('Given --nodes 0, when parsed, then DB_COUNT_INVALID; a whole number passes', () => {
    expect(() => parsePositiveInt('--nodes', '0')).toThrow(expect.objectContaining({ code: 'DB_COUNT_INVALID' }));
    expect(parsePositiveInt('--nodes', '5')).toBe(5);
    expect(parsePositiveInt('--nodes', undefined)).toBeUndefined();
  });
});
