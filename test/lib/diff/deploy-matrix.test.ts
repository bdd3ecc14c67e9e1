import { DEPLOY_ENVIRONMENTS, deployMatrix } from '../../../lib/diff/deploy-matrix';
import type { ResourceChange, StageDiff } from '../../../lib/diff/pr-diff';

const change = (stack: string, logicalId: string, type: string, kind: ResourceChange['kind'], stateful: boolean): ResourceChange => ({
  stack,
  logicalId,
  type,
  kind,
  stateful,
  properties: [],
});

const diffs: StageDiff[] = [
  { stage: 'global', status: 'changed', changes: [change('global-ap-southeast-1', 'LedgerVolume1', 'AWS::EC2::Volume', 'removed', true)] },
  { stage: 'us-australia', status: 'changed', changes: [change('us-australia-us-east-1', 'Sg', 'AWS::EC2::SecurityGroup', 'replaced', false)] },
  { stage: 'control-plane', status: 'unchanged', changes: [] },
];
const stages = [
  { stage: 'germany-belgium', region: 'eu-central-1' },
  { stage: 'global', region: 'us-east-1' },
  { stage: 'us-australia', region: 'us-east-1' },
];

describe('deployMatrix', () => {
  const matrix = deployMatrix(diffs, stages, { stage: 'control-plane', region: 'us-east-1' });

  test('Given a stateful removal in global, Then only global goes to the approval environment, naming the resource', () => {
    expect(matrix.flavors).toEqual([
      { stage: 'germany-belgium', region: 'eu-central-1', environment: DEPLOY_ENVIRONMENTS.auto, stateful: [] },
      { stage: 'global', region: 'us-east-1', environment: DEPLOY_ENVIRONMENTS.approval, stateful: ['global-ap-southeast-1/LedgerVolume1'] },
      { stage: 'us-australia', region: 'us-east-1', environment: DEPLOY_ENVIRONMENTS.auto, stateful: [] },
    ]);
  });

  test('Given an unchanged control plane, Then it deploys first without approval', () => {
    expect(matrix.controlPlane).toEqual({ stage: 'control-plane', region: 'us-east-1', environment: DEPLOY_ENVIRONMENTS.auto, stateful: [] });
  });
});
