import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cdcNames } from '../../lib/k8s/cdc-names';
import { flavorManifestApps, appManifests } from '../../lib/k8s/flavor-manifests';
import usAustralia from '../../flavors/us-australia';
import { startPg, type EmbeddedPg } from '../helpers/embedded-pg';
import { ROOT, runFlavors, type CliResult } from '../helpers/run-cli';

// bin/flavors.js (the spawned entry) sits next to flavors.ts and jest resolves `.js` first: name the source.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the test names an explicit .ts path, which import cannot
const { runCli } = require('../../bin/flavors.ts') as typeof import('../../bin/flavors');

/** The same CLI entry in this process: the --execute run spawns the real binary, the rest need no fresh process. */
async function runInProcess(args: readonly string[]): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const status = await runCli(args, { out: (l) => out.push(`${l}\n`), err: (l) => err.push(`${l}\n`), cwd: ROOT, env: { ...process.env } });
  return { status, stdout: out.join(''), stderr: err.join('') };
}

// One logical and one replica-level server for the whole file; each CLI run is a real process.
let logical: EmbeddedPg;
let replicaLevel: EmbeddedPg;
let dir: string;
const names = cdcNames('us-australia', 'us-east-1', 'content');

beforeAll(async () => {
  [logical, replicaLevel] = await Promise.all([
    startPg({ databases: ['content'], postgresFlags: ['-c', 'wal_level=logical'] }),
    startPg({ databases: ['content'], postgresFlags: ['-c', 'wal_level=replica'] }),
  ]);
  await logical.query('content', 'CREATE TABLE items (id int PRIMARY KEY, title text)');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdc-'));
  fs.writeFileSync(path.join(dir, 'logical.json'), JSON.stringify({ 'us-australia/us-east-1/content': logical.url('content') }));
  fs.writeFileSync(path.join(dir, 'replica.json'), JSON.stringify({ 'us-australia/us-east-1/content': replicaLevel.url('content') }));
}, 30000);

afterAll(async () => {
  await Promise.all([logical?.stop(), replicaLevel?.stop()]);
  fs.rmSync(dir, { recursive: true, force: true });
});

const args = (file: string, ...extra: string[]) => [
  'cdc',
  'prepare',
  'us-australia',
  '--region',
  'us-east-1',
  '--database',
  'content',
  '--connections',
  path.join(dir, file),
  ...extra,
];
const prepare = (file: string, ...extra: string[]) => runInProcess(args(file, ...extra));

describe('flavors cdc prepare', () => {
  test('Given the manifests, When naming the connector of content in us-east-1, Then they use cdcNames (one source of truth)', () => {
    const connector = appManifests(flavorManifestApps({ flavor: usAustralia, account: '1', outdir: '/unused' }).get('us-east-1')!).find(
      (m) => m.kind === 'KafkaConnector' && m.metadata?.name === 'content-cdc',
    ) as unknown as { spec: { config: Record<string, string> } };
    expect(connector.spec.config).toEqual(
      expect.objectContaining({
        'publication.name': names.publication,
        'slot.name': names.slot,
        'plugin.name': 'pgoutput',
        'topic.prefix': 'us-australia.us-east-1.content',
      }),
    );
  });

  test('Given a logical database, When planning, Then it says what it would create and creates nothing', async () => {
    const { status, stdout } = await prepare('logical.json');
    expect(status).toBe(0);
    expect(stdout).toContain(`publication ${names.publication} will be created; slot ${names.slot} (pgoutput) will be created`);
    expect(await logical.query('content', 'SELECT 1 FROM pg_publication')).toHaveLength(0);
    expect(await logical.query('content', 'SELECT 1 FROM pg_replication_slots')).toHaveLength(0);
  });

  test("Given --execute, Then the connector's publication and pgoutput slot exist and a table change is visible through that slot", async () => {
    const { status, stdout } = runFlavors(args('logical.json', '--execute'));
    expect(status).toBe(0);
    expect(stdout).toContain('created; slot');
    expect(await logical.query('content', 'SELECT puballtables FROM pg_publication WHERE pubname = $1', [names.publication])).toEqual([
      { puballtables: true },
    ]);
    expect(await logical.query('content', 'SELECT plugin, slot_type, database FROM pg_replication_slots WHERE slot_name = $1', [names.slot])).toEqual(
      [{ plugin: 'pgoutput', slot_type: 'logical', database: 'content' }],
    );

    await logical.query('content', "INSERT INTO items VALUES (1, 'stays home')");
    const changes = await logical.query<{ data: Buffer }>(
      'content',
      "SELECT data FROM pg_logical_slot_peek_binary_changes($1, NULL, NULL, 'proto_version', '1', 'publication_names', $2)",
      [names.slot, names.publication],
    );
    // pgoutput messages: B(egin), R(elation), I(nsert), C(ommit); the insert carries the row's text.
    const kinds = changes.map((c) => String.fromCharCode(c.data[0]));
    expect(kinds).toEqual(expect.arrayContaining(['B', 'R', 'I', 'C']));
    const insert = changes.find((c) => c.data[0] === 'I'.charCodeAt(0))!;
    expect(insert.data.toString('latin1')).toContain('stays home');
  });

  test('Given it already ran, When run again with --execute, Then it is a no-op', async () => {
    const before = await logical.query('content', 'SELECT slot_name, restart_lsn FROM pg_replication_slots');
    const { status, stdout } = await prepare('logical.json', '--execute');
    expect(status).toBe(0);
    expect(stdout).toContain(`publication ${names.publication} exists; slot ${names.slot} (pgoutput) exists`);
    expect(await logical.query('content', 'SELECT slot_name, restart_lsn FROM pg_replication_slots')).toEqual(before);
    expect(await logical.query('content', 'SELECT count(*)::int AS n FROM pg_publication')).toEqual([{ n: 1 }]);
  });

  test('Given wal_level=replica, When executing, Then it refuses with CDC_WAL_LEVEL_NOT_LOGICAL and creates nothing', async () => {
    const { status, stderr } = await prepare('replica.json', '--execute');
    expect(status).toBe(1);
    expect(stderr).toMatch(/^error CDC_WAL_LEVEL_NOT_LOGICAL: us-australia\/us-east-1\/content: wal_level is 'replica'; set wal_level = logical/);
    expect(stderr).not.toContain('flavors-test-pw');
    expect(await replicaLevel.query('content', 'SELECT 1 FROM pg_publication')).toHaveLength(0);
  });

  test(
    'Given a role that may not create publications, When executing, ' + 'Then CDC_PREPARE_FAILED names the database and the role it needs',
    async () => {
      await logical.query('content', "CREATE ROLE plain LOGIN PASSWORD 'plain-pw'");
      const url = logical.url('content').replace(/\/\/[^@]*@/, '//plain:plain-pw@');
      fs.writeFileSync(path.join(dir, 'plain.json'), JSON.stringify({ 'us-australia/us-east-1/reports': url }));
      const { status, stderr } = await runInProcess([
        'cdc',
        'prepare',
        'us-australia',
        '--region',
        'us-east-1',
        '--database',
        'reports',
        '--connections',
        path.join(dir, 'plain.json'),
        '--execute',
      ]);
      expect(status).toBe(1);
      expect(stderr).toMatch(
        new RegExp(
          '^error CDC_PREPARE_FAILED: us-australia\\/us-east-1\\/reports: cannot create publication flavors_cdc_us_australia_us_east_1_reports: ' +
            '.*needs superuser',
        ),
      );
      expect(stderr).not.toContain('plain-pw');
      expect(await logical.query('content', 'SELECT pubname FROM pg_publication')).toEqual([{ pubname: names.publication }]);
    },
  );

  test.each([
    [['--region', 'eu-west-1'], /^error CDC_REGION_OUTSIDE_FLAVOR: --region eu-west-1 is not a region of us-australia/],
    [['--region', 'us-east-1', '--database', 'nope'], /^error CDC_DATABASE_UNKNOWN: --database nope/],
  ])('Given bad arguments %j, Then one clear error', async (extra, message) => {
    const { status, stderr } = await runInProcess(['cdc', 'prepare', 'us-australia', ...extra]);
    expect(status).toBe(1);
    expect(stderr).toMatch(message);
  });
});
