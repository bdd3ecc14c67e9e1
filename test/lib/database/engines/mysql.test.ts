import { mysqlUserData } from '../../../../lib/database/engines/mysql';
import { node } from './node';

describe('mysql user data', () => {
  test('installs MariaDB 10.5 from the distribution with its data dir on the data volume', () => {
    const script = mysqlUserData.commands(node()).join('\n');
    expect(script).toContain('dnf install -y mariadb105-server');
    expect(script).toContain('datadir = /data/mysql');
    expect(script).toContain("cat > /etc/my.cnf.d/zz-flavors.cnf <<'EOF'");
  });

  test('node 0 is the writable primary with a binary log and a replication user', () => {
    const script = mysqlUserData.commands(node({ index: 0 })).join('\n');
    expect(script).toContain('server_id = 1');
    expect(script).toContain('log_bin = mysql-bin');
    expect(script).toContain('read_only = OFF');
    expect(script).toContain("GRANT REPLICATION SLAVE ON *.* TO 'replicator'@'%';");
    expect(script).not.toContain('CHANGE MASTER');
  });

  test('other nodes are read-only GTID replicas of node 0', () => {
    const script = mysqlUserData.commands(node({ index: 1, primaryAddress: '10.0.32.10' })).join('\n');
    expect(script).toContain('server_id = 2');
    expect(script).toContain('read_only = ON');
    expect(script).toContain("PRIMARY='10.0.32.10'");
    expect(script).toContain("CHANGE MASTER TO MASTER_HOST='$PRIMARY', MASTER_PORT=3306, MASTER_USER='replicator', MASTER_PASSWORD='$DB_PASSWORD', MASTER_USE_GTID=slave_pos");
    expect(script).toContain('START SLAVE;');
  });

  test('a warm standby installs and configures but does not start', () => {
    const script = mysqlUserData.commands(node({ role: 'fallback' })).join('\n');
    expect(script).toContain('dnf install -y mariadb105-server');
    expect(script).not.toContain('systemctl enable --now mariadb');
  });
});
