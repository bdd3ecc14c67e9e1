import { COUCHBASE_RELEASE_RPM, couchbaseUserData } from '../../../../lib/database/engines/couchbase';
import { node } from './node';

describe('couchbase user data', () => {
  test("configures Couchbase's official repository and installs the community server", () => {
    const script = couchbaseUserData.commands(node()).join('\n');
    expect(COUCHBASE_RELEASE_RPM).toBe('https://packages.couchbase.com/releases/couchbase-release/couchbase-release-1.0.noarch.rpm');
    expect(script).toContain(`curl -fsSL -o /tmp/couchbase-release.rpm ${COUCHBASE_RELEASE_RPM}`);
    expect(script).toContain('rpm -q couchbase-release || rpm -i /tmp/couchbase-release.rpm');
    expect(script).toContain('dnf install -y couchbase-server-community');
  });

  test('keeps data and indexes on the data volume', () => {
    expect(couchbaseUserData.commands(node()).join('\n')).toContain(
      '--node-init-data-path /data/couchbase/data --node-init-index-path /data/couchbase/index',
    );
  });

  test('node 0 initialises the cluster with the shared password', () => {
    const script = couchbaseUserData.commands(node({ index: 0 })).join('\n');
    expect(script).toContain(
      '/opt/couchbase/bin/couchbase-cli cluster-init -c 127.0.0.1 --cluster-username ' +
        'Administrator --cluster-password "$DB_PASSWORD" --services data,index,query',
    );
    expect(script).not.toContain('server-add');
  });

  test('other nodes join node 0 and rebalance', () => {
    const script = couchbaseUserData.commands(node({ index: 1, primaryAddress: '10.0.32.10' })).join('\n');
    expect(script).toContain("PRIMARY='10.0.32.10'");
    expect(script).toContain('server-add -c "$PRIMARY" -u Administrator -p "$DB_PASSWORD" --server-add "$SELF"');
    expect(script).toContain('rebalance -c "$PRIMARY"');
    expect(script).not.toContain('cluster-init');
  });

  test('a warm standby installs and stops the server', () => {
    const script = couchbaseUserData.commands(node({ role: 'fallback' })).join('\n');
    expect(script).toContain('systemctl disable --now couchbase-server');
    expect(script).not.toContain('cluster-init');
  });
});
