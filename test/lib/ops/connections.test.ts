import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { connect, connectionResolver, loadConnectionsFile, redactSecrets, redactUrl } from '../../../lib/ops/connections';
import { startPg, type EmbeddedPg } from '../../helpers/embedded-pg';

const ref = { flavor: 'global', region: 'us-east-1', database: 'ledger' };

function writeTemp(content: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flavors-conn-'));
  const file = path.join(dir, 'connections.json');
  fs.writeFileSync(file, content);
  return file;
}

describe('connections file', () => {
  test('Given a valid file, When loaded, Then keys map to URLs', () => {
    const file = writeTemp(JSON.stringify({ 'global/us-east-1/ledger': 'postgresql://u:p@h:5432/d' }));
    expect([...loadConnectionsFile(file)]).toEqual([['global/us-east-1/ledger', 'postgresql://u:p@h:5432/d']]);
  });

  test('Given the default file is absent, When loaded optionally, Then the map is empty; required, Then CONNECTIONS_FILE_MISSING', () => {
    expect(loadConnectionsFile('/nonexistent/c.json').size).toBe(0);
    expect(() => loadConnectionsFile('/nonexistent/c.json', { required: true })).toThrow(
      expect.objectContaining({ code: 'CONNECTIONS_FILE_MISSING' }),
    );
  });

  test.each([
    ['{not json', 'CONNECTIONS_FILE_INVALID'],
    ['[]', 'CONNECTIONS_FILE_INVALID'],
    [JSON.stringify({ 'global/ledger': 'postgresql://h/d' }), 'CONNECTIONS_KEY_INVALID'],
    [JSON.stringify({ 'global/us-east-1/ledger': 'mysql://h/d' }), 'CONNECTIONS_URL_INVALID'],
  ])('Given %s, When loaded, Then %s', (content, code) => {
    expect(() => loadConnectionsFile(writeTemp(content))).toThrow(expect.objectContaining({ code }));
  });

  test('Given no entry and no fallback, When resolved, Then CONNECTION_MISSING names the key', async () => {
    await expect(connectionResolver(new Map())(ref)).rejects.toThrow(/CONNECTION|global\/us-east-1\/ledger/);
    await expect(connectionResolver(new Map())(ref)).rejects.toMatchObject({ code: 'CONNECTION_MISSING' });
  });

  test('Given no entry, When a fallback knows the database, Then its URL is used', async () => {
    await expect(connectionResolver(new Map(), () => Promise.resolve('postgresql://fallback/d'))(ref)).resolves.toBe('postgresql://fallback/d');
  });
});

describe('redaction', () => {
  test('Given a URL with a password, When redacted, Then the password is gone and the rest stays', () => {
    expect(redactUrl('postgresql://app:s3cr%40t@db.local:5432/ledger')).toBe('postgresql://app:***@db.local:5432/ledger');
    expect(redactSecrets('auth failed for s3cr@t', 'postgresql://app:s3cr%40t@db.local/ledger')).toBe('auth failed for ***');
  });
});

describe('connect', () => {
  let pg: EmbeddedPg;
  beforeAll(async () => {
    pg = await startPg({ databases: ['ledger'] });
  });
  afterAll(async () => pg.stop());

  test('Given a running database, When connected, Then queries run', async () => {
    const client = await connect(ref, pg.url('ledger'));
    try {
      expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await client.end();
    }
  });

  test('Given a wrong password, When connected, Then CONNECTION_FAILED names the key and never the password', async () => {
    const url = pg.url('ledger').replace('flavors-test-pw', 'wrong-secret-xyz');
    const err = (await connect(ref, url).then(
      () => new Error('connected'),
      (e: unknown) => e,
    )) as Error & { code: string };
    expect(err).toMatchObject({ code: 'CONNECTION_FAILED' });
    expect(err.message).toContain('global/us-east-1/ledger');
    expect(err.message).not.toContain('wrong-secret-xyz');
  });
});
