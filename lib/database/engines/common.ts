import { DB_DATA_DEVICE } from '../tags';
import { DB_NODE_FLEET_DEFAULTS as D } from '../defaults';
import { shellQuote, type EngineNode } from './engine';

export const DATA_MOUNT = D.dataMountPoint;

/**
 * The engine-independent start of every node's user data: wait for the data volume, format it only
 * when blank, mount it by label, and read the engine password. Bash, run once by cloud-init.
 */
export function preludeCommands(node: EngineNode): string[] {
  const xvd = DB_DATA_DEVICE.replace('/dev/sd', '/dev/xvd');
  const waitTries = Math.ceil(D.dataDeviceWaitSeconds / 5);
  return [
    'set -euo pipefail',
    `echo "flavors: ${node.databaseName} node ${node.index} of ${node.nodes} (${node.role} region)"`,
    'retry() { local tries=$1 pause=$2; shift 2; local n; for n in $(seq 1 "$tries"); do "$@" && ' +
      'return 0; sleep "$pause"; done; echo "flavors: gave up after $tries tries: $*" >&2; return 1; }',
    `# The data volume is attached after the instance runs (AWS::EC2::VolumeAttachment); ` +
      `on Nitro it is an NVMe device linked from ${DB_DATA_DEVICE}.`,
    'DATA_DEVICE=""',
    `for attempt in $(seq 1 ${waitTries}); do`,
    `  for candidate in ${DB_DATA_DEVICE} ${xvd}; do if [ -e "$candidate" ]; then DATA_DEVICE=$(readlink -f "$candidate"); break 2; fi; done`,
    '  sleep 5',
    'done',
    `[ -n "$DATA_DEVICE" ] || { echo "flavors: data volume ${DB_DATA_DEVICE} not attached after ${D.dataDeviceWaitSeconds}s" >&2; exit 1; }`,
    'udevadm settle',
    '# Format a blank volume only: a volume restored from a snapshot keeps its file system and data.',
    `if ! blkid "$DATA_DEVICE" >/dev/null 2>&1; then mkfs.xfs -L ${D.dataFsLabel} "$DATA_DEVICE"; fi`,
    `mkdir -p ${DATA_MOUNT}`,
    `grep -q '^LABEL=${D.dataFsLabel} ' /etc/fstab || echo 'LABEL=${D.dataFsLabel} ${DATA_MOUNT} xfs defaults,noatime,nofail 0 2' >> /etc/fstab`,
    `mountpoint -q ${DATA_MOUNT} || mount ${DATA_MOUNT}`,
    "# The engine password lives in Secrets Manager; Parameter Store reads it through the VPC's SSM endpoint.",
    `DB_PASSWORD=$(retry 30 10 aws ssm get-parameter --region ${node.region} ` +
      `--name ${shellQuote(`/aws/reference/secretsmanager/${node.secretName}`)} --with-decryption --query Parameter.Value --output text)`,
  ];
}
