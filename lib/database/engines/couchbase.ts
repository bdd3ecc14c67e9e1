import { DATA_MOUNT } from './common';
import { FALLBACK_NOTE, shellQuote, type EngineNode, type EngineUserData } from './engine';

/** Couchbase's repository configuration package (https://docs.couchbase.com/server/current/install/rhel-suse-install-intro.html). */
export const COUCHBASE_RELEASE_RPM = 'https://packages.couchbase.com/releases/couchbase-release/couchbase-release-1.0.noarch.rpm';
const CLI = '/opt/couchbase/bin/couchbase-cli';
const SERVICES = 'data,index,query';
const ADMIN = 'Administrator';

/**
 * Couchbase Server Community from Couchbase's official repository (configured by its release
 * package). That repository is on the internet: the subnets need an egress path (NAT or proxy).
 * Node 0 initialises the cluster; every other node adds itself to it and rebalances. Data and
 * indexes live on the data volume.
 */
export const couchbaseUserData: EngineUserData = {
  engine: 'couchbase',
  packages: ['couchbase-server-community'],
  commands(node: EngineNode): string[] {
    const install = [
      `retry 10 15 curl -fsSL -o /tmp/couchbase-release.rpm ${COUCHBASE_RELEASE_RPM}`,
      'rpm -q couchbase-release || rpm -i /tmp/couchbase-release.rpm',
      'dnf install -y couchbase-server-community',
      `install -d -o couchbase -g couchbase -m 750 ${DATA_MOUNT}/couchbase/data ${DATA_MOUNT}/couchbase/index`,
    ];
    if (node.role === 'fallback') return [...install, 'systemctl disable --now couchbase-server', ...FALLBACK_NOTE];
    const auth = `-u ${ADMIN} -p "$DB_PASSWORD"`;
    return [
      ...install,
      "SELF=$(hostname -I | awk '{print $1}')",
      'retry 60 5 curl -fs -o /dev/null http://127.0.0.1:8091/ui/index.html',
      `${CLI} node-init -c 127.0.0.1 ${auth} --node-init-data-path ${DATA_MOUNT}/couchbase/data ` +
        `--node-init-index-path ${DATA_MOUNT}/couchbase/index --node-init-hostname "$SELF"`,
      ...(node.index === 0 ? primary() : member(node, auth)),
    ];
  },
};

function primary(): string[] {
  return [
    '# 60% of memory for the data service; the index service gets 1 GiB.',
    "RAM_MB=$(awk '/MemTotal/ {print int($2 / 1024 * 0.6)}' /proc/meminfo)",
    `${CLI} cluster-init -c 127.0.0.1 --cluster-username ${ADMIN} --cluster-password "$DB_PASSWORD" ` +
      `--services ${SERVICES} --cluster-ramsize "$RAM_MB" --cluster-index-ramsize 1024 --index-storage-setting default`,
  ];
}

function member(node: EngineNode, auth: string): string[] {
  return [
    `PRIMARY=${shellQuote(node.primaryAddress ?? '')}`,
    `retry 360 10 ${CLI} server-list -c "$PRIMARY" ${auth}`,
    `${CLI} server-list -c "$PRIMARY" ${auth} | grep -q "$SELF" || retry 30 20 ${CLI} server-add -c "$PRIMARY" ${auth} ` +
      `--server-add "$SELF" --server-add-username ${ADMIN} --server-add-password "$DB_PASSWORD" --services ${SERVICES}`,
    '# Nodes joining at the same time take turns: a rebalance already running makes this one wait and retry.',
    `retry 60 30 ${CLI} rebalance -c "$PRIMARY" ${auth}`,
  ];
}
