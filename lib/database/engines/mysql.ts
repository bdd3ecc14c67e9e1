import { DATA_MOUNT } from './common';
import { FALLBACK_NOTE, shellQuote, type EngineNode, type EngineUserData } from './engine';

const DATADIR = `${DATA_MOUNT}/mysql`;
const PORT = 3306;
const X_PORT = 33060;

/**
 * MySQL's community yum repository for MySQL 8.4 LTS on EL9 (Amazon Linux 2023 runs EL9 packages):
 * the release package configures it, the key signs it. Amazon Linux 2023 ships MariaDB only, which
 * has no X Protocol.
 */
export const MYSQL_REPOSITORY = {
  releaseRpm: 'https://repo.mysql.com/mysql84-community-release-el9-1.noarch.rpm',
  gpgKeyUrl: 'https://repo.mysql.com/RPM-GPG-KEY-mysql-2023',
  /** mysql-build@oss.oracle.com, key id B7B3B788A8D3785C (MySQL 8.4.7 and later), as published in the MySQL 8.4 manual, 2.1.4.2. */
  gpgKeyFingerprint: 'BCA43417C3B485DD128EC6D4B7B3B788A8D3785C',
} as const;

/**
 * MySQL 8.4 LTS Community Server from MySQL's own repository, with the X Protocol (`mysqlx`) on
 * 33060 next to the classic protocol on 3306, TLS required on both. The repository's key is
 * imported only when its fingerprint matches the pinned one; dnf then checks every package's
 * signature. The repository is on the internet: the subnets need an egress path (NAT or proxy).
 * Node 0 is the primary (GTID binary log); the other nodes replicate from it read-only over TLS.
 */
export const mysqlUserData: EngineUserData = {
  engine: 'mysql',
  packages: ['mysql-community-server'],
  commands(node: EngineNode): string[] {
    const install = [
      '# MySQL 8.4 LTS from repo.mysql.com; the key is trusted only with the pinned fingerprint.',
      `retry 10 15 curl -fsSL -o /tmp/RPM-GPG-KEY-mysql ${MYSQL_REPOSITORY.gpgKeyUrl}`,
      'KEY_FPR=$(gpg --show-keys --with-colons /tmp/RPM-GPG-KEY-mysql | awk -F: \'$1 == "fpr" {print $10; exit}\')',
      `[ "$KEY_FPR" = ${MYSQL_REPOSITORY.gpgKeyFingerprint} ] || { echo "flavors: MySQL repository ` +
        `key fingerprint $KEY_FPR is not the pinned ${MYSQL_REPOSITORY.gpgKeyFingerprint}" >&2; exit 1; }`,
      'rpm --import /tmp/RPM-GPG-KEY-mysql',
      `retry 10 15 curl -fsSL -o /tmp/mysql-release.rpm ${MYSQL_REPOSITORY.releaseRpm}`,
      '# The release package itself must carry a valid signature of that key.',
      'rpm -K /tmp/mysql-release.rpm',
      'rpm -q mysql84-community-release || rpm -i /tmp/mysql-release.rpm',
      'dnf install -y mysql-community-server',
      `install -d -o mysql -g mysql -m 750 ${DATADIR}`,
      '# Read after /etc/my.cnf, so these settings win.',
      "cat > /etc/my.cnf.d/zz-flavors.cnf <<'EOF'",
      '[mysqld]',
      `datadir = ${DATADIR}`,
      `socket = ${DATADIR}/mysql.sock`,
      'bind-address = 0.0.0.0',
      `port = ${PORT}`,
      'mysqlx = ON',
      'mysqlx_bind_address = 0.0.0.0',
      `mysqlx_port = ${X_PORT}`,
      'require_secure_transport = ON',
      'plugin-load-add = auth_socket.so',
      `server_id = ${node.index + 1}`,
      'log_bin = mysql-bin',
      'gtid_mode = ON',
      'enforce_gtid_consistency = ON',
      `read_only = ${node.index === 0 ? 'OFF' : 'ON'}`,
      `super_read_only = ${node.index === 0 ? 'OFF' : 'ON'}`,
      '[client]',
      `socket = ${DATADIR}/mysql.sock`,
      'EOF',
    ];
    // A standby's blank volumes are replaced by restored snapshots before it starts: no data directory there.
    if (node.role === 'fallback') return [...install, ...FALLBACK_NOTE];
    return [
      ...install,
      '# A blank data volume gets a data directory whose root signs in through the local socket only.',
      `if [ ! -d ${DATADIR}/mysql ]; then`,
      `  runuser -u mysql -- mysqld --initialize-insecure --datadir=${DATADIR}`,
      '  NEW_DATADIR=1',
      'fi',
      'systemctl enable --now mysqld',
      'if [ "${NEW_DATADIR:-0}" = 1 ]; then',
      "  mysql -uroot --skip-password <<'SQL'",
      "ALTER USER 'root'@'localhost' IDENTIFIED WITH auth_socket;",
      'SQL',
      'fi',
      ...(node.index === 0 ? primary(node) : replica(node)),
    ];
  },
};

function primary(node: EngineNode): string[] {
  return [
    'mysql -uroot <<SQL',
    `CREATE USER IF NOT EXISTS 'replicator'@'${node.vpcCidr}' IDENTIFIED BY '$DB_PASSWORD' REQUIRE SSL;`,
    `GRANT REPLICATION SLAVE ON *.* TO 'replicator'@'${node.vpcCidr}';`,
    'SQL',
  ];
}

function replica(node: EngineNode): string[] {
  return [
    `PRIMARY=${shellQuote(node.primaryAddress ?? '')}`,
    `retry 360 10 mysqladmin --connect-timeout=5 --ssl-mode=REQUIRED -h "$PRIMARY" -P ${PORT} -u replicator -p"$DB_PASSWORD" ping`,
    'mysql -uroot <<SQL',
    'STOP REPLICA;',
    `CHANGE REPLICATION SOURCE TO SOURCE_HOST='$PRIMARY', SOURCE_PORT=${PORT}, SOURCE_USER='replicator', ` +
      `SOURCE_PASSWORD='$DB_PASSWORD', SOURCE_AUTO_POSITION=1, SOURCE_SSL=1, SOURCE_CONNECT_RETRY=10;`,
    'START REPLICA;',
    'SQL',
  ];
}
