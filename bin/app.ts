#!/usr/bin/env node
// The CDK app: one FlavorStage per file in flavors/ and the control plane. The only place that reads context or env.
import { App } from 'aws-cdk-lib';
import * as path from 'path';
import { FlavorsError } from '../lib/errors';
import { loadFlavorsOrThrow } from '../lib/flavor/load-flavors';
import { checkAssemblyResidency, formatViolation, residencyGuardErrors } from '../lib/residency/check-assembly';
import { addControlPlane, addFlavorStages } from '../stacks/flavors-app';
import { accountResolver, controlPlaneSettings, parseDnsContext } from './context';

function main(): void {
  const app = new App();
  const flavorsDir = path.resolve((app.node.tryGetContext('flavorsDir') as string | undefined) ?? path.join(__dirname, '..', 'flavors'));
  const accountOf = accountResolver(app.node.tryGetContext('accounts'));
  const flavors = loadFlavorsOrThrow(flavorsDir);
  const dns = parseDnsContext(app.node.tryGetContext('dns'));
  const { stageRegions } = addFlavorStages(app, flavors, accountOf, dns);
  const controlPlane = addControlPlane(app, flavors, accountOf, controlPlaneSettings(app.node.tryGetContext('controlPlane')), dns?.zoneName);
  const assembly = app.synth();
  // Two nets: the ResidencyGuard of each FlavorStage (error annotations, at synth) and this check of
  // the written templates. Both are printed: the CLI would not show the annotations once this fails.
  const guardErrors = residencyGuardErrors(assembly);
  const violations = checkAssemblyResidency(assembly, { ...stageRegions, ...controlPlane.stageRegions });
  if (guardErrors.length > 0 || violations.length > 0) {
    throw new FlavorsError('RESIDENCY_VIOLATION', `residency check failed:\n${[...guardErrors, ...violations.map(formatViolation)].join('\n')}`);
  }
}

try {
  main();
} catch (err) {
  if (err instanceof FlavorsError) {
    // The same one-line form as the flavors CLI: the stable code first, then what to do.
    process.stderr.write(`error ${err.code}: ${err.message}\n`);
    process.exit(1);
  }
  throw err;
}
