import * as path from 'path';
import { accountResolver } from '../../bin/context';
import { flavorRegions } from '../../lib/flavor/define-flavor';
import { loadFlavorsOrThrow } from '../../lib/flavor/load-flavors';
import { checkAssemblyResidency } from '../../lib/residency/check-assembly';
import { addFlavorStages } from '../../stacks/flavors-app';
import { CDK_CONTEXT, testApp } from '../helpers/cdk-app';

const FLAVORS = loadFlavorsOrThrow(path.join(__dirname, '..', '..', 'flavors'));
const ACCOUNTS = accountResolver(CDK_CONTEXT.accounts);

describe('FlavorStage', () => {
  // One synth for all flavors: the same app `cdk synth` builds.
  const app = testApp();
  const { stages, stageRegions } = addFlavorStages(app, FLAVORS, ACCOUNTS);
  const assembly = app.synth();

  test('every flavor file becomes a Stage named after it', () => {
    expect(stages.map((s) => s.stageName)).toEqual(FLAVORS.map((f) => f.name));
    expect(FLAVORS.length).toBeGreaterThanOrEqual(3);
  });

  test.each(FLAVORS.map((f) => [f.name, f]))('%s: one stack per flavor region, each with an explicit env inside the flavor', (name, flavor) => {
    const stage = stages.find((s) => s.stageName === name)!;
    const stacks = assembly.getNestedAssembly(stage.artifactId).stacks;
    expect(stacks.map((s) => s.environment.region).sort()).toEqual([...flavorRegions(flavor)].sort());
    for (const stack of stacks) {
      expect(stack.stackName).toBe(`${name}-${stack.environment.region}`);
      expect(stack.environment.account).toBe(ACCOUNTS(name));
      expect(flavorRegions(flavor)).toContain(stack.environment.region);
      expect(stack.terminationProtection).toBe(true);
    }
  });

  test('the whole app passes the residency check and needs no context lookup', () => {
    expect(checkAssemblyResidency(assembly, stageRegions)).toEqual([]);
    const missing = [assembly, ...stages.map((s) => assembly.getNestedAssembly(s.artifactId))].flatMap((a) => a.manifest.missing ?? []);
    expect(missing).toEqual([]);
  });

  test('stacks are tagged with their flavor and region role', () => {
    const stage = stages.find((s) => s.stageName === 'us-australia')!;
    const fallback = assembly.getNestedAssembly(stage.artifactId).getStackByName('us-australia-ap-southeast-2');
    expect(fallback.tags).toEqual(expect.objectContaining({ 'flavors:flavor': 'us-australia', 'flavors:region-role': 'fallback' }));
  });
});
