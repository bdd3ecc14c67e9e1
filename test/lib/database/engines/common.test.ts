import { ENGINE_USER_DATA, nodeUserDataCommands } from '../../../../lib/database/engines';
import { preludeCommands } from '../../../../lib/database/engines/common';
import type { DatabaseEngine } from '../../../../lib/flavor/types';
import { bashSyntaxErrors, node } from './node';

describe('user data prelude (every engine)', () => {
  const script = preludeCommands(node()).join('\n');

  test('waits for the data volume attached at /dev/sdf (or its xvd alias) before touching it', () => {
    expect(script).toContain('for candidate in /dev/sdf /dev/xvdf;');
    expect(script).toContain('[ -n "$DATA_DEVICE" ] || { echo "flavors: data volume /dev/sdf not attached after 900s" >&2; exit 1; }');
  });

  test('formats only a blank volume, so a volume restored from a snapshot keeps its data', () => {
    expect(script).toContain('if ! blkid "$DATA_DEVICE" >/dev/null 2>&1; then mkfs.xfs -L flavorsdata "$DATA_DEVICE"; fi');
  });

  test('mounts the volume at /data by label, surviving reboots and volume swaps', () => {
    expect(script).toContain("echo 'LABEL=flavorsdata /data xfs defaults,noatime,nofail 0 2' >> /etc/fstab");
    expect(script).toContain('mountpoint -q /data || mount /data');
  });

  test('reads the engine password from Secrets Manager through Parameter Store in its own region', () => {
    expect(script).toContain(
      'aws ssm get-parameter --region us-east-1 --name ' +
        "'/aws/reference/secretsmanager/flavors/us-australia-us-east-1-ledger-1A2B3C4D/credentials' --with-decryption",
    );
  });

  test('stops at the first failing command', () => {
    expect(preludeCommands(node())[0]).toBe('set -euo pipefail');
  });
});

describe('whole node scripts', () => {
  const cases: [DatabaseEngine, number, 'primary' | 'fallback'][] = (Object.keys(ENGINE_USER_DATA) as DatabaseEngine[]).flatMap(
    (engine) =>
      [
        [engine, 0, 'primary'],
        [engine, 2, 'primary'],
        [engine, 0, 'fallback'],
      ] as [DatabaseEngine, number, 'primary' | 'fallback'][],
  );

  test.each(cases)('%s node %i (%s region) is valid bash', (engine, index, role) => {
    expect(bashSyntaxErrors(nodeUserDataCommands(engine, node({ index, role })))).toBe('');
  });

  test('end with a ready line naming the node', () => {
    expect(nodeUserDataCommands('mysql', node({ index: 1 })).at(-1)).toBe('echo "flavors: ledger node 1 ready"');
  });
});
