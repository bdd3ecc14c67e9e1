import { Aspects, Stack, type App, type Stage } from 'aws-cdk-lib';
import { AwsSolutionsChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadFlavorsOrThrow } from '../../lib/flavor/load-flavors';
import { accountResolver, controlPlaneSettings, parseDnsContext } from '../../bin/context';
import { addControlPlane, addFlavorStages } from '../../stacks/flavors-app';
import { CDK_CONTEXT, testApp } from '../helpers/cdk-app';

/** One synthesized stack: where its template is on disk, and the construct it came from. */
export interface SynthesizedStack {
  readonly stage: string;
  readonly stack: Stack;
  /** Deployed name, e.g. `us-australia-us-east-1`. */
  readonly stackName: string;
  readonly templatePath: string;
  /** Errors, warnings and infos of the stack's constructs, from the same synthesis (no re-synth per stack). */
  readonly messages: readonly { readonly level: string; readonly id: string; readonly data: string }[];
}

/**
 * Adds the three cdk-nag packs the project is checked against to a Stage (App-level aspects stop at
 * Stages). Their findings are annotations; the CSV reports they would also write into the assembly
 * are off, as nothing reads them (they cost a third of the packs' time). The packs change no template.
 */
export function addNagPacks(stage: Stage): void {
  for (const pack of [
    new AwsSolutionsChecks({ reports: false }),
    new NIST80053R5Checks({ reports: false }),
    new PCIDSS321Checks({ reports: false }),
  ]) {
    Aspects.of(stage).add(pack);
  }
}

export interface SynthesizedApp {
  readonly app: App;
  /** Every flavor Stage and the control plane, as `bin/app.ts` builds them. */
  readonly stages: readonly Stage[];
  readonly stacks: readonly SynthesizedStack[];
  /** The cloud assembly folder (a temp folder); `cleanup()` removes it. */
  readonly outdir: string;
  cleanup(): void;
}

/** The stacks of a Stage of a synthesized assembly, with their templates on disk and their messages. */
export function synthesizedStacks(assembly: CloudAssembly, stage: Stage): SynthesizedStack[] {
  const nested = assembly.getNestedAssembly(stage.artifactId);
  return stage.node
    .findAll()
    .filter((c): c is Stack => c instanceof Stack)
    .map((stack) => {
      const artifact = nested.getStackArtifact(stack.artifactId);
      return {
        stage: stage.stageName,
        stack,
        stackName: stack.stackName,
        templatePath: path.join(nested.directory, artifact.templateFile),
        messages: artifact.messages.map((m) => ({
          level: m.level,
          id: m.id,
          data: typeof m.entry.data === 'string' ? m.entry.data : JSON.stringify(m.entry.data),
        })),
      };
    });
}

/**
 * Synthesizes the whole app — every flavor in flavors/ plus the control plane, from cdk.json's
 * context, with the builders bin/app.ts uses — into a temp folder, so checkers that read
 * templates on disk (cfn-guard) see exactly what `cdk synth` writes. `perStage` runs on each
 * Stage before synthesis (cdk-nag packs must be added per Stage: App-level aspects stop at Stages).
 */
export function synthesizeApp(perStage: (stage: Stage) => void = () => undefined): SynthesizedApp {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'flavors-controls-'));
  const app = testApp({}, { outdir });
  const flavors = loadFlavorsOrThrow(path.join(__dirname, '..', '..', 'flavors'));
  const accounts = accountResolver(CDK_CONTEXT.accounts);
  const dns = parseDnsContext(CDK_CONTEXT.dns);
  const { stages } = addFlavorStages(app, flavors, accounts, dns);
  const controlPlane = addControlPlane(app, flavors, accounts, controlPlaneSettings(CDK_CONTEXT.controlPlane), dns?.zoneName);
  const all: Stage[] = [...stages, controlPlane.stage];
  all.forEach(perStage);
  const assembly = app.synth();
  const stacks = all.flatMap((stage) => synthesizedStacks(assembly, stage));
  return { app, stages: all, stacks, outdir, cleanup: () => fs.rmSync(outdir, { recursive: true, force: true }) };
}
