import { MYSQL_REPOSITORY, mysqlUserData } from '../../../../lib/database/engines/mysql';
import { bashSyntaxErrors, node } from './node';

describe('mysql user data', () => {
  test('given any node, when rendered, then MySQL 8.4 comes from repo.mysql.com only after its key matches the pinned fingerprint', () => {
    const lines = mysqlUserData.commands(node());
    const script = lines.join('\n');
    const at = (text: string) => lines.findIndex((l) => l.includes(text));
    expect(script).toContain(`curl -fsSL -o /tmp/RPM-GPG-KEY-mysql ${MYSQL_REPOSITORY.gpgKeyUrl}`);
    expect(script).toContain(`[ "$KEY_FPR" = ${MYSQL_REPOSITORY.gpgKeyFingerprint} ] || {`);
    expect(MYSQL_REPOSITORY.gpgKeyFingerprint).toMatch(/^[0-9A-F]{40}$/);
    expect(MYSQL_REPOSITORY.gpgKeyFingerprint.endsWith('B7B3B788A8D3785C')).toBe(true);
    expect(MYSQL_REPOSITORY.releaseRpm).toBe('https://repo.mysql.com/mysql84-community-release-el9-1.noarch.rpm');
    // the key is checked before it is imported, and the release package is checked before it is installed
    expect(at('[ "$KEY_FPR"')).toBeLessThan(at('rpm --import'));
    expect(at('rpm --import')).toBeLessThan(at('rpm -K /tmp/mysql-release.rpm'));
    expect(at('rpm -K')).toBeLessThan(at('rpm -i /tmp/mysql-release.rpm'));
    expect(at('rpm -i')).toBeLessThan(at('dnf install -y mysql-community-server'));
    expect(script).not.toContain('mariadb');
    expect(script).not.toContain('--nogpgcheck');
  });

  test('given any node, then the X Protocol listens on 33060 next to the classic 3306, TLS required, data on the data volume', () => {
    const script = mysqlUserData.commands(node()).join('\n');
    for (const line of [
      'mysqlx = ON',
      'mysqlx_bind_address = 0.0.0.0',
      'mysqlx_port = 33060',
      'port = 3306',
      'require_secure_transport = ON',
      'datadir = /data/mysql',
    ]) {
      expect(script).toContain(line);
    }
    expect(script).toContain("cat > /etc/my.cnf.d/zz-flavors.cnf <<'EOF'");
    expect(script).toContain('runuser -u mysql -- mysqld --initialize-insecure --datadir=/data/mysql');
  });

  test('given node 0, then it is the writable primary with a GTID binary log and a TLS-only replication user of the VPC', () => {
    const script = mysqlUserData.commands(node({ index: 0 })).join('\n');
    expect(script).toContain('server_id = 1');
    expect(script).toContain('gtid_mode = ON');
    expect(script).toContain('read_only = OFF');
    expect(script).toContain("ALTER USER 'root'@'localhost' IDENTIFIED WITH auth_socket;");
    expect(script).toContain("CREATE USER IF NOT EXISTS 'replicator'@'10.0.0.0/16' IDENTIFIED BY '$DB_PASSWORD' REQUIRE SSL;");
    expect(script).toContain("GRANT REPLICATION SLAVE ON *.* TO 'replicator'@'10.0.0.0/16';");
    expect(script).toContain('systemctl enable --now mysqld');
    expect(script).not.toContain('CHANGE REPLICATION SOURCE');
  });

  test('given another node, then it is a super-read-only replica of node 0 over TLS with GTID auto-positioning', () => {
    const script = mysqlUserData.commands(node({ index: 1, primaryAddress: '10.0.32.10' })).join('\n');
    expect(script).toContain('server_id = 2');
    expect(script).toContain('super_read_only = ON');
    expect(script).toContain("PRIMARY='10.0.32.10'");
    expect(script).toContain(
      "CHANGE REPLICATION SOURCE TO SOURCE_HOST='$PRIMARY', SOURCE_PORT=3306, " +
        "SOURCE_USER='replicator', SOURCE_PASSWORD='$DB_PASSWORD', SOURCE_AUTO_POSITION=1, SOURCE_SSL=1",
    );
    expect(script).toContain('START REPLICA;');
  });

  test('given a warm standby, then it installs and configures but neither starts nor joins', () => {
    const script = mysqlUserData.commands(node({ role: 'fallback' })).join('\n');
    expect(script).toContain('dnf install -y mysql-community-server');
    expect(script).not.toContain('systemctl enable --now mysqld');
    expect(script).not.toContain('CREATE USER');
    expect(script).not.toContain('--initialize-insecure');
  });

  test.each([
    ['primary', node({ index: 0 })],
    ['replica', node({ index: 2 })],
    ['warm standby', node({ role: 'fallback' })],
  ])('the %s script parses as bash', (_, n) => {
    expect(bashSyntaxErrors(mysqlUserData.commands(n))).toBe('');
  });
});
