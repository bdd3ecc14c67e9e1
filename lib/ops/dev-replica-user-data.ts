/**
 * User data (bash, run once by cloud-init) of a PostgreSQL dev node. The data volume is a copy of
 * a production node's: the node mounts it (never formats it: a blank volume is an error), installs
 * the same PostgreSQL as the fleet (lib/database/engines/postgres.ts), turns the copy into a
 * standalone server (no standby.signal, no primary_conninfo, no replication slots, so it can never
 * follow or hold WAL for production), starts it and sets the dev login from a SCRAM verifier.
 */

// Copies of lib/database/defaults.ts and engines/postgres.ts values (those import aws-cdk-lib).
const DATA_DEVICE = '/dev/sdf';
const DATA_MOUNT = '/data';
const FS_LABEL = 'flavorsdata';
const PGDATA = `${DATA_MOUNT}/pgsql/data`;

const sqlLiteral = (value: string) => `'${value.replace(/'/g, "''")}'`;

export function devNodeUserData(input: { replicaId: string; user: string; verifier: string; port: number }): string {
  const role = `"${input.user.replace(/"/g, '""')}"`;
  return [
    '#!/bin/bash',
    'set -euo pipefail',
    `echo "flavors: dev replica ${input.replicaId}"`,
    'DATA_DEVICE=""',
    `for attempt in $(seq 1 180); do for c in ${DATA_DEVICE} ${DATA_DEVICE.replace('/dev/sd', '/dev/xvd')}; ` +
      `do if [ -e "$c" ]; then DATA_DEVICE=$(readlink -f "$c"); break 2; fi; done; sleep 5; done`,
    `[ -n "$DATA_DEVICE" ] || { echo "flavors: data volume ${DATA_DEVICE} not attached" >&2; exit 1; }`,
    'udevadm settle',
    'blkid "$DATA_DEVICE" >/dev/null 2>&1 || { echo "flavors: data volume is blank, not a copy of a database" >&2; exit 1; }',
    `mkdir -p ${DATA_MOUNT}`,
    `echo 'LABEL=${FS_LABEL} ${DATA_MOUNT} xfs defaults,noatime,nofail 0 2' >> /etc/fstab`,
    `mount ${DATA_MOUNT}`,
    'dnf install -y postgresql16-server',
    'mkdir -p /etc/systemd/system/postgresql.service.d',
    `printf '[Service]\\nEnvironment=PGDATA=${PGDATA}\\n' > /etc/systemd/system/postgresql.service.d/flavors.conf`,
    'systemctl daemon-reload',
    '# A standalone copy: never a standby of production.',
    `rm -f ${PGDATA}/standby.signal ${PGDATA}/recovery.signal`,
    `[ -f ${PGDATA}/postgresql.auto.conf ] && sed -i -E '/^(primary_conninfo|primary_slot_name)/d' ${PGDATA}/postgresql.auto.conf`,
    `printf "\\n# flavors dev replica\\nlisten_addresses = '*'\\nport = ${input.port}\\n" >> ${PGDATA}/postgresql.conf`,
    'systemctl enable --now postgresql',
    `runuser -u postgres -- psql -p ${input.port} -v ON_ERROR_STOP=1 <<'SQL'`,
    'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots;',
    `SELECT format('CREATE ROLE %I', ${sqlLiteral(input.user)}) WHERE NOT EXISTS ` +
      `(SELECT FROM pg_roles WHERE rolname = ${sqlLiteral(input.user)}) \\gexec`,
    `ALTER ROLE ${role} WITH LOGIN SUPERUSER PASSWORD ${sqlLiteral(input.verifier)};`,
    'SQL',
    `echo "flavors: dev replica ${input.replicaId} ready"`,
    '',
  ].join('\n');
}
