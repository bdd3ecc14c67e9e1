import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { Aspects, Stack } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import * as path from 'path';
import { loadFlavorsOrThrow } from '../../lib/flavor/load-flavors';
import { checkSuppressionReason, type NagSuppression } from '../../lib/nag-suppressions';
import { accountResolver } from '../../bin/context';
import { addFlavorStages } from '../../stacks/flavors-app';
import { CDK_CONTEXT, testApp } from '../helpers/cdk-app';

const FLAVORS = loadFlavorsOrThrow(path.join(__dirname, '..', '..', 'flavors'));

describe('cdk-nag AwsSolutions on every flavor stage', () => {
  // Given every real flavor, with the checks added to each Stage (App-level aspects do not reach into Stages)
  const app = testApp();
  const { stages } = addFlavorStages(app, FLAVORS, accountResolver(CDK_CONTEXT.accounts));
  for (const stage of stages) Aspects.of(stage).add(new AwsSolutionsChecks());
  // When the app synthesizes (which runs the aspects)
  app.synth();
  const stacks = stages.flatMap((stage) => stage.node.findAll().filter((c): c is Stack => c instanceof Stack));

  const regionStacks = stages.flatMap((stage) => [...stage.regionStacks.values()]);

  test('the checks ran on every region stack of every flavor', () => {
    expect(stacks.map((s) => s.stackName)).toEqual(expect.arrayContaining(
      FLAVORS.flatMap((f) => f.regions.map((r) => `${f.name}-${r.region}`))));
    expect(regionStacks).toHaveLength(FLAVORS.reduce((n, f) => n + f.regions.length, 0));
  });

  test.each(stacks.map((s) => [s.stackName, s]))('%s: no unsuppressed AwsSolutions error', (_name, stack) => {
    const errors = Annotations.fromStack(stack as Stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    expect(errors.map((e) => `${e.id}: ${String(e.entry.data).split('\n')[0]}`)).toEqual([]);
  });

  // Warnings too for the region stacks (network, keys, databases): a rule that could not evaluate a
  // value (CdkNagValidationFailure) would otherwise hide a finding.
  test.each(regionStacks.map((s) => [s.stackName, s]))('%s: no unsuppressed AwsSolutions warning', (_name, stack) => {
    const warnings = Annotations.fromStack(stack as Stack).findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    expect(warnings.map((e) => `${e.id}: ${String(e.entry.data).split('\n')[0]}`)).toEqual([]);
  });

  test('every suppression in every synthesized template carries a specific reason', () => {
    const reasons: NagSuppression[] = [];
    for (const stack of stacks) {
      const template = app.synth().getStackArtifact(stack.artifactId).template as { Resources: Record<string, { Metadata?: { cdk_nag?: { rules_to_suppress?: NagSuppression[] } } }> };
      for (const resource of Object.values(template.Resources)) reasons.push(...(resource.Metadata?.cdk_nag?.rules_to_suppress ?? []));
    }
    expect(reasons.length).toBeGreaterThan(0);
    for (const suppression of reasons) expect(() => checkSuppressionReason(suppression)).not.toThrow();
  });
});
