import { App, type AppProps } from 'aws-cdk-lib';
import * as fs from 'fs';
import * as path from 'path';

const CDK_JSON = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf-8'));

/** The context `cdk synth` gets from cdk.json (feature flags, accounts); jest does not read cdk.json itself. */
export const CDK_CONTEXT: Record<string, unknown> = CDK_JSON.context;

/**
 * An App with the same context as `cdk synth`, minus what only feeds the CLI's telemetry, tree
 * view and messages: construct-usage metadata (`@aws-cdk/core:enableAdditionalMetadataCollection`),
 * tree.json, the analytics resource, and the `aws:cdk:logicalId` entry of every resource in the
 * manifest (the CLI names construct paths in its messages with it; CDK validates every entry when it
 * writes and reads a manifest). They change no template and no annotation, and cost ~20% of a synth
 * (measured on the whole app: 830 → 600 ms of CPU; the logical-id entries alone 3–12% of a stacks
 * test file's CPU). `props` adds e.g. an `outdir`.
 */
export function testApp(extraContext: Record<string, unknown> = {}, props: Omit<AppProps, 'context'> = {}): App {
  return new App({
    analyticsReporting: false,
    treeMetadata: false,
    ...props,
    context: {
      ...CDK_CONTEXT,
      '@aws-cdk/core:enableAdditionalMetadataCollection': false,
      'aws:cdk:disable-logicalId-metadata': true,
      ...extraContext,
    },
  });
}
