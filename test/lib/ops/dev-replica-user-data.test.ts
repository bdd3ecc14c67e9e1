import { spawnSync } from 'child_process';
import { devNodeUserData } from '../../../lib/ops/dev-replica-user-data';

const script = devNodeUserData({
  replicaId: 'dev-ledger-1',
  user: 'flavors_dev',
  verifier: 'SCRAM-SHA-256$4096:c2FsdA==$c3RvcmVk:c2VydmVy',
  port: 5432,
});

test('Given a dev node, then its boot script is valid bash', () => {
  const r = spawnSync('bash', ['-n'], { input: script, encoding: 'utf-8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
});

test('Given a copy of a production volume, then the script never formats it and refuses a blank one', () => {
  expect(script).not.toContain('mkfs');
  expect(script).toContain('blkid "$DATA_DEVICE" >/dev/null 2>&1 || { echo "flavors: data volume is blank, not a copy of a database" >&2; exit 1; }');
});

test('Given a copy of a standby, then it becomes standalone: no standby signal, no primary connection, no replication slots', () => {
  expect(script).toContain('rm -f /data/pgsql/data/standby.signal /data/pgsql/data/recovery.signal');
  expect(script).toContain("sed -i -E '/^(primary_conninfo|primary_slot_name)/d' /data/pgsql/data/postgresql.auto.conf");
  expect(script).toContain('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots;');
});

test('Given the login, then only its SCRAM verifier is set, in a quoted heredoc the shell does not expand', () => {
  expect(script).toContain("runuser -u postgres -- psql -p 5432 -v ON_ERROR_STOP=1 <<'SQL'");
  expect(script).toContain(`ALTER ROLE "flavors_dev" WITH LOGIN SUPERUSER PASSWORD 'SCRAM-SHA-256$4096:c2FsdA==$c3RvcmVk:c2VydmVy';`);
});
