import { DATA_MOUNT } from './common';
import { FALLBACK_NOTE, shellQuote, type EngineNode, type EngineUserData } from './engine';

const PGDATA = `${DATA_MOUNT}/pgsql/data`;
/** libpq reads the postgres user's ~/.pgpass for replication connections (pg_basebackup, walreceiver). */
const PGPASS = '/var/lib/pgsql/.pgpass';
const PORT = 5432;

/** Replication slot of standby node `index`: the primary keeps WAL until that standby has it. */
const replicationSlot = (index: number): string => `node_${index}`;

/**
 * PostgreSQL 16 from the Amazon Linux 2023 repositories (served from S3 in-region, so isolated
 * subnets reach them through the VPC's S3 gateway endpoint). Node 0 initialises the cluster as the
 * primary; every other node clones it with `pg_basebackup` and streams WAL from it as a hot standby
 * on its own replication slot.
 */
export const postgresUserData: EngineUserData = {
  engine: 'postgres',
  packages: ['postgresql16-server'],
  commands(node: EngineNode): string[] {
    const install = [
      'dnf install -y postgresql16-server',
      `install -d -o postgres -g postgres -m 700 ${DATA_MOUNT}/pgsql`,
      '# The cluster lives on the data volume.',
      'mkdir -p /etc/systemd/system/postgresql.service.d',
      `printf '[Service]\\nEnvironment=PGDATA=${PGDATA}\\n' > /etc/systemd/system/postgresql.service.d/flavors.conf`,
      'systemctl daemon-reload',
      `install -o postgres -g postgres -m 600 /dev/null ${PGPASS}`,
      `echo "*:*:*:replicator:$DB_PASSWORD" > ${PGPASS}`,
    ];
    if (node.role === 'fallback') return [...install, ...FALLBACK_NOTE];
    return [...install, ...(node.index === 0 ? primary(node) : standby(node))];
  },
};

function primary(node: EngineNode): string[] {
  const slots = Array.from({ length: node.nodes - 1 }, (_, i) => replicationSlot(i + 1));
  return [
    `if [ ! -s ${PGDATA}/PG_VERSION ]; then`,
    '  postgresql-setup --initdb',
    `  cat >> ${PGDATA}/postgresql.conf <<'EOF'`,
    '# flavors: primary streaming WAL to the standbys of the fleet; logical (a superset of replica) so',
    '# change data capture (flavors cdc prepare, Debezium) can decode it in the region',
    "listen_addresses = '*'",
    `port = ${PORT}`,
    "password_encryption = 'scram-sha-256'",
    'wal_level = logical',
    'max_wal_senders = 16',
    'max_replication_slots = 16',
    "wal_keep_size = '2GB'",
    'hot_standby = on',
    'EOF',
    `  cat >> ${PGDATA}/pg_hba.conf <<'EOF'`,
    `host replication replicator ${node.vpcCidr} scram-sha-256`,
    `host all all ${node.vpcCidr} scram-sha-256`,
    'EOF',
    'fi',
    'systemctl enable --now postgresql',
    `runuser -u postgres -- psql -v ON_ERROR_STOP=1 -v pw="$DB_PASSWORD" <<'SQL'`,
    "SELECT format('CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD %L', :'pw') " +
      "WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'replicator') \\gexec",
    ...slots.map(
      (slot) =>
        `SELECT pg_create_physical_replication_slot('${slot}') WHERE NOT EXISTS (SELECT FROM pg_replication_slots WHERE slot_name = '${slot}');`,
    ),
    'SQL',
  ];
}

function standby(node: EngineNode): string[] {
  return [
    `PRIMARY=${shellQuote(node.primaryAddress ?? '')}`,
    `retry 360 10 runuser -u postgres -- pg_isready -q -h "$PRIMARY" -p ${PORT}`,
    `if [ ! -s ${PGDATA}/PG_VERSION ]; then`,
    "  # Until the primary has created the replicator role and this node's slot, the clone fails: try again.",
    `  clone() { rm -rf ${PGDATA}; runuser -u postgres -- env PGPASSFILE=${PGPASS} pg_basebackup -h ` +
      `"$PRIMARY" -p ${PORT} -U replicator -D ${PGDATA} -X stream -R -S ${replicationSlot(node.index)} -w; }`,
    '  retry 120 15 clone',
    'fi',
    'systemctl enable --now postgresql',
  ];
}
