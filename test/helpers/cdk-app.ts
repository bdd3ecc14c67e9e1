import { App } from 'aws-cdk-lib';
import * as fs from 'fs';
import * as path from 'path';

const CDK_JSON = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf-8'));

/** The context `cdk synth` gets from cdk.json (feature flags, accounts); jest does not read cdk.json itself. */
export const CDK_CONTEXT: Record<string, unknown> = CDK_JSON.context;

/** An App with the same context as `cdk synth`; metadata off so templates are what we assert on. */
export function testApp(extraContext: Record<string, unknown> = {}): App {
  return new App({ context: { ...CDK_CONTEXT, ...extraContext }, analyticsReporting: false });
}
