import { Stack, Stage } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { checkAssemblyResidency, checkStageResidency, formatViolation } from '../../../lib/residency/check-assembly';
import { testApp } from '../../helpers/cdk-app';

describe('checkAssemblyResidency', () => {
  test('passes a stage whose stacks and templates stay in its regions', () => {
    const app = testApp();
    const stage = new Stage(app, 'us-australia');
    new Stack(stage, 'a', { env: { account: '123456789012', region: 'ap-southeast-2' } });
    expect(checkAssemblyResidency(app.synth(), { 'us-australia': ['us-east-1', 'ap-southeast-2'] })).toEqual([]);
  });

  test('flags a stack deployed outside the stage regions and a template naming a foreign region', () => {
    const app = testApp();
    const stage = new Stage(app, 'germany-belgium');
    new Stack(stage, 'outside', { env: { account: '123456789012', region: 'eu-west-1' } });
    const inside = new Stack(stage, 'inside', { env: { account: '123456789012', region: 'eu-central-1' } });
    new sqs.Queue(inside, 'Queue', { queueName: 'replica-of-us-east-1' });
    const violations = checkAssemblyResidency(app.synth(), { 'germany-belgium': ['eu-central-1'] });
    expect(violations.map((v) => [v.ruleId, v.stack]).sort()).toEqual([
      ['RES_FOREIGN_REGION', 'germany-belgium-inside'],
      ['RES_STACK_REGION', 'germany-belgium-outside'],
    ]);
    expect(formatViolation(violations.find((v) => v.ruleId === 'RES_FOREIGN_REGION')!)).toMatch(
      /^RES_FOREIGN_REGION: germany-belgium \/ germany-belgium-inside \/ Queue\w+ \/ Properties\/QueueName: references us-east-1/,
    );
  });

  test('a stage without a residency declaration and a stack outside any stage are violations', () => {
    const app = testApp();
    new Stack(new Stage(app, 'forgotten'), 's', { env: { account: '123456789012', region: 'eu-west-1' } });
    new Stack(app, 'loose', { env: { account: '123456789012', region: 'eu-west-1' } });
    expect(checkAssemblyResidency(app.synth(), {}).map((v) => v.ruleId)).toEqual(['RES_STAGE_UNCHECKED', 'RES_STACK_OUTSIDE_STAGE']);
  });

  test("checkStageResidency on a Stage's own synth finds exactly what checkAssemblyResidency finds for it after app.synth()", () => {
    // Given a stage with a stack abroad and a template naming a foreign region
    const build = () => {
      const app = testApp();
      const stage = new Stage(app, 'germany-belgium');
      new Stack(stage, 'outside', { env: { account: '123456789012', region: 'eu-west-1' } });
      const inside = new Stack(stage, 'inside', { env: { account: '123456789012', region: 'eu-central-1' } });
      new sqs.Queue(inside, 'Queue', { queueName: 'replica-of-us-east-1' });
      return { app, stage };
    };
    const whole = build();
    const alone = build();
    // When one app is synthesized whole and the other's stage alone
    const viaApp = checkAssemblyResidency(whole.app.synth(), { 'germany-belgium': ['eu-central-1'] });
    const viaStage = checkStageResidency('germany-belgium', alone.stage.synth(), ['eu-central-1']);
    // Then both report the same violations; an undeclared stage makes every stack one
    expect(viaStage).toEqual(viaApp);
    expect(viaStage).toHaveLength(2);
    expect(checkStageResidency('germany-belgium', alone.stage.synth(), undefined).map((v) => v.ruleId)).toEqual([
      'RES_STAGE_UNCHECKED',
      'RES_STAGE_UNCHECKED',
    ]);
  });
});
