import { DATA_MOUNT } from './common';
import { FALLBACK_NOTE, shellQuote, type EngineNode, type EngineUserData } from './engine';

const DATADIR = `${DATA_MOUNT}/mysql`;
const PORT = 3306;

/**
 * MySQL-compatible MariaDB 10.5 from the Amazon Linux 2023 repositories: in-region and reachable
 * from isolated subnets through the S3 gateway endpoint, where MySQL Community's own repository
 * would need internet egress. Node 0 is the primary (binary log, GTID); the other nodes replicate
 * from it read-only. Clients use the MySQL protocol on 3306 (the X Protocol is not served).
 */
export const mysqlUserData: EngineUserData = {
  engine: 'mysql',
  packages: ['mariadb105-server'],
  commands(node: EngineNode): string[] {
    const install = [
      'dnf install -y mariadb105-server',
      `install -d -o mysql -g mysql -m 750 ${DATADIR}`,
      '# Read after the packaged mariadb-server.cnf, so these settings win.',
      "cat > /etc/my.cnf.d/zz-flavors.cnf <<'EOF'",
      '[mysqld]',
      `datadir = ${DATADIR}`,
      'bind-address = 0.0.0.0',
      `port = ${PORT}`,
      `server_id = ${node.index + 1}`,
      'log_bin = mysql-bin',
      'binlog_format = ROW',
      'log_slave_updates = ON',
      'gtid_strict_mode = ON',
      `read_only = ${node.index === 0 ? 'OFF' : 'ON'}`,
      'EOF',
    ];
    if (node.role === 'fallback') return [...install, ...FALLBACK_NOTE];
    return [...install, 'systemctl enable --now mariadb', ...(node.index === 0 ? primary() : replica(node))];
  },
};

function primary(): string[] {
  return [
    '# Root signs in through the local socket only (unix_socket authentication).',
    'mysql -uroot <<SQL',
    "CREATE USER IF NOT EXISTS 'replicator'@'%' IDENTIFIED BY '$DB_PASSWORD';",
    "GRANT REPLICATION SLAVE ON *.* TO 'replicator'@'%';",
    'SQL',
  ];
}

function replica(node: EngineNode): string[] {
  return [
    `PRIMARY=${shellQuote(node.primaryAddress ?? '')}`,
    `retry 360 10 mysqladmin --connect-timeout=5 -h "$PRIMARY" -P ${PORT} ping`,
    'mysql -uroot <<SQL',
    'STOP SLAVE;',
    `CHANGE MASTER TO MASTER_HOST='$PRIMARY', MASTER_PORT=${PORT}, MASTER_USER='replicator', MASTER_PASSWORD='$DB_PASSWORD', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=10;`,
    'START SLAVE;',
    'SQL',
  ];
}
