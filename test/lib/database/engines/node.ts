import { spawnSync } from 'child_process';
import type { EngineNode } from '../../../../lib/database/engines';

/** A node of a 3-node live fleet; values as CloudFormation would fill them in. */
export function node(overrides: Partial<EngineNode> = {}): EngineNode {
  return {
    databaseName: 'ledger',
    index: 0,
    nodes: 3,
    role: 'primary',
    vpcCidr: '10.0.0.0/16',
    region: 'us-east-1',
    secretName: 'flavors/us-australia-us-east-1-ledger-1A2B3C4D/credentials',
    ...overrides,
    ...(overrides.index && overrides.primaryAddress === undefined ? { primaryAddress: '10.0.32.10' } : {}),
  };
}

/**
 * `bash -n`: the script parses without running anything. An unclosed heredoc is only a warning
 * to bash (exit 0), so anything on stderr counts.
 */
export function bashSyntaxErrors(lines: readonly string[]): string {
  const result = spawnSync('bash', ['-n'], { input: `#!/bin/bash\n${lines.join('\n')}\n`, encoding: 'utf-8' });
  return result.status === 0 ? result.stderr : result.stderr || `bash exited ${result.status}`;
}
