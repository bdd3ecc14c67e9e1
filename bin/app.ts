#!/usr/bin/env node
// The CDK app: one FlavorStage per file in flavors/ and the control plane. The only place that reads context or env.
import { App } from 'aws-cdk-lib';
import * as path from 'path';
import { FlavorsError } from '../lib/errors';
import { loadFlavorsOrThrow } from '../lib/flavor/load-flavors';
import { checkAssemblyResidency, formatViolation } from '../lib/residency/check-assembly';
import { parseDnsContext } from '../stacks/flavor-dns-stack';
import { addControlPlane, addFlavorStages, controlPlaneSettings, type AccountMap } from '../stacks/flavors-app';

function main(): void {
  const app = new App();
  const flavorsDir = path.resolve((app.node.tryGetContext('flavorsDir') as string | undefined) ?? path.join(__dirname, '..', 'flavors'));
  const accounts = (app.node.tryGetContext('accounts') as AccountMap | undefined) ?? {};
  const flavors = loadFlavorsOrThrow(flavorsDir);
  const dns = parseDnsContext(app.node.tryGetContext('dns'));
  const { stageRegions } = addFlavorStages(app, flavors, accounts, dns);
  const controlPlane = addControlPlane(app, flavors, accounts, controlPlaneSettings(app.node.tryGetContext('controlPlane')), dns?.zoneName);
  const assembly = app.synth();
  const violations = checkAssemblyResidency(assembly, { ...stageRegions, ...controlPlane.stageRegions });
  if (violations.length > 0) {
    throw new FlavorsError('RESIDENCY_VIOLATION', `residency check failed:\n${violations.map(formatViolation).join('\n')}`);
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
