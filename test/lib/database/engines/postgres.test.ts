import { postgresUserData } from '../../../../lib/database/engines/postgres';
import { node } from './node';

describe('postgres user data', () => {
  test('installs PostgreSQL 16 from the distribution and keeps the cluster on the data volume', () => {
    const script = postgresUserData.commands(node()).join('\n');
    expect(script).toContain('dnf install -y postgresql16-server');
    expect(script).toContain("printf '[Service]\\nEnvironment=PGDATA=/data/pgsql/data\\n' > /etc/systemd/system/postgresql.service.d/flavors.conf");
    expect(postgresUserData.packages).toEqual(['postgresql16-server']);
  });

  describe('node 0 of a live fleet: the primary', () => {
    const script = postgresUserData.commands(node({ index: 0, nodes: 3 })).join('\n');

    test('initialises the cluster once and streams WAL that change data capture can decode', () => {
      expect(script).toContain('if [ ! -s /data/pgsql/data/PG_VERSION ]; then\n  postgresql-setup --initdb');
      expect(script).toContain('wal_level = logical');
      expect(script).toContain('hot_standby = on');
      expect(script).toContain("listen_addresses = '*'");
    });

    test('admits replication and clients from the VPC only, with SCRAM passwords', () => {
      expect(script).toContain('host replication replicator 10.0.0.0/16 scram-sha-256');
      expect(script).toContain('host all all 10.0.0.0/16 scram-sha-256');
      expect(script).not.toMatch(/0\.0\.0\.0\/0|trust/);
    });

    test('creates the replicator role and one replication slot per standby', () => {
      expect(script).toContain('CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD %L');
      expect(script).toContain("pg_create_physical_replication_slot('node_1')");
      expect(script).toContain("pg_create_physical_replication_slot('node_2')");
      expect(script).not.toContain("'node_3'");
      expect(script).toContain('systemctl enable --now postgresql');
    });
  });

  describe('node 2 of a live fleet: a streaming standby', () => {
    const script = postgresUserData.commands(node({ index: 2, primaryAddress: '10.0.32.10' })).join('\n');

    test('clones the primary with pg_basebackup and follows it on its own slot', () => {
      expect(script).toContain("PRIMARY='10.0.32.10'");
      expect(script).toContain('pg_basebackup -h "$PRIMARY" -p 5432 -U replicator -D /data/pgsql/data -X stream -R -S node_2 -w');
      expect(script).toContain('systemctl enable --now postgresql');
      expect(script).not.toContain('postgresql-setup --initdb');
    });

    test("authenticates with the shared password from the postgres user's pgpass", () => {
      expect(script).toContain('echo "*:*:*:replicator:$DB_PASSWORD" > /var/lib/pgsql/.pgpass');
      expect(script).toContain('install -o postgres -g postgres -m 600 /dev/null /var/lib/pgsql/.pgpass');
    });
  });

  test('a warm standby in a fallback region installs but neither initialises nor starts a cluster', () => {
    const script = postgresUserData.commands(node({ role: 'fallback' })).join('\n');
    expect(script).toContain('dnf install -y postgresql16-server');
    expect(script).not.toContain('postgresql-setup --initdb');
    expect(script).not.toContain('pg_basebackup');
    expect(script).not.toContain('systemctl enable --now postgresql');
  });
});
