import * as fc from 'fast-check';
import * as fs from 'fs';
import { flavorRegions, defineFlavor } from '../../lib/flavor/define-flavor';
import { SynthesisMessageLevel } from 'aws-cdk-lib/cx-api';
import { checkStageResidency, formatViolation, messageText } from '../../lib/residency/check-assembly';
import { parseDnsContext } from '../../bin/context';
import { FlavorStage } from '../../stacks/flavor-stage';
import { CDK_CONTEXT, testApp } from './cdk-app';
import { isCountryCode } from '../../lib/flavor/countries';
import { DLM_INTERVAL_HOURS, DLM_MAX_COPY_REGIONS, GP3 } from '../../lib/flavor/defaults';
import type { DatabaseSpec, Flavor, FlavorSpec } from '../../lib/flavor/types';
import { REGION_CATALOG } from '../../lib/flavor/regions';

const EC2_TYPES = [
  'r5.large',
  'r5.xlarge',
  'r5a.2xlarge',
  'r5b.4xlarge',
  'r5d.8xlarge',
  'r5n.12xlarge',
  'r5dn.16xlarge',
  'r5ad.24xlarge',
  'r5.metal',
];
const RDS_TYPES = ['db.r5.large', 'db.r5.xlarge', 'db.r5b.2xlarge', 'db.r5d.4xlarge'];
const DATABASE_NAMES = ['ledger', 'content', 'reports', 'events', 'audit', 'billing2'];

/** A gp3 volume inside every EBS bound and ratio (size, IOPS per GiB, throughput per IOPS). */
const volume = fc.integer({ min: GP3.minSizeGiB, max: GP3.maxSizeGiB }).chain((sizeGiB) => {
  const maxIops = Math.min(GP3.maxIops, sizeGiB * GP3.maxIopsPerGiB);
  const iops = maxIops >= GP3.minIops ? fc.option(fc.integer({ min: GP3.minIops, max: maxIops }), { nil: undefined }) : fc.constant(undefined);
  return iops.chain((i) =>
    fc.record({
      sizeGiB: fc.constant(sizeGiB),
      type: fc.option(fc.constant('gp3' as const), { nil: undefined }),
      iops: fc.constant(i),
      throughputMiBps: fc.option(
        fc.integer({ min: GP3.minThroughputMiBps, max: Math.floor(Math.min(GP3.maxThroughputMiBps, (i ?? GP3.minIops) * GP3.maxThroughputPerIops)) }),
        { nil: undefined },
      ),
    }),
  );
});

const database: fc.Arbitrary<DatabaseSpec> = fc.oneof(
  fc.record({
    platform: fc.constant('ec2' as const),
    engine: fc.constantFrom('postgres' as const, 'mysql' as const, 'couchbase' as const),
    instanceType: fc.constantFrom(...EC2_TYPES),
    nodes: fc.integer({ min: 1, max: 15 }),
    volume,
  }),
  fc.record({
    platform: fc.constant('rds' as const),
    engine: fc.constantFrom('postgres' as const, 'mysql' as const),
    instanceType: fc.constantFrom(...RDS_TYPES),
    storageGiB: fc.integer({ min: 20, max: 65536 }),
  }),
  fc.record({
    platform: fc.constant('k8s' as const),
    engine: fc.constant('postgres' as const),
    instances: fc.integer({ min: 1, max: 9 }),
    storageGiB: fc.integer({ min: 1, max: GP3.maxSizeGiB }),
  }),
);

/**
 * Any valid flavor file: residency 'global' or a country list consistent with 1–4 catalog regions
 * (plus, sometimes, countries without an AWS region, like Belgium), one primary, any mix of ec2 /
 * rds / k8s databases, any backup and failover settings the format accepts.
 */
export const validFlavorSpec: fc.Arbitrary<FlavorSpec> = fc
  .record({
    name: fc.stringMatching(/^[a-z][a-z0-9]{1,10}(-[a-z0-9]{1,6})?$/),
    global: fc.boolean(),
    regions: fc.uniqueArray(fc.constantFrom(...REGION_CATALOG), { minLength: 1, maxLength: 4, selector: (r) => r.region }),
    extraCountries: fc.subarray(['BE', 'NL', 'AT', 'LU', 'DK', 'NO', 'PT', 'FI'].filter(isCountryCode), { maxLength: 2 }),
    databases: fc.uniqueArray(fc.tuple(fc.constantFrom(...DATABASE_NAMES), database), { maxLength: 3, selector: ([name]) => name }),
    backup: fc.option(
      fc.record(
        {
          intervalHours: fc.constantFrom(...DLM_INTERVAL_HOURS),
          retain: fc.integer({ min: 1, max: 1000 }),
          copyTo: fc.boolean(),
        },
        { requiredKeys: [] },
      ),
      { nil: undefined },
    ),
    failover: fc.option(
      fc.record({ dns: fc.constantFrom('automatic' as const, 'manual' as const), database: fc.constant('manual' as const) }, { requiredKeys: [] }),
      { nil: undefined },
    ),
  })
  .chain((g) =>
    fc
      .record({
        primary: fc.nat(g.regions.length - 1),
        copyTo: fc.shuffledSubarray(
          g.regions.map((r) => r.region),
          { minLength: 1, maxLength: Math.min(DLM_MAX_COPY_REGIONS, g.regions.length) },
        ),
      })
      .map(({ primary, copyTo }): FlavorSpec => ({
        name: g.name,
        description: `property-generated flavor over ${g.regions.map((r) => r.region).join(', ')}`,
        residency: g.global ? 'global' : { countries: [...new Set([...g.regions.map((r) => r.country), ...g.extraCountries])] },
        regions: g.regions.map((r, i) => ({ region: r.region, role: i === primary ? 'primary' : 'fallback' })),
        databases: Object.fromEntries(g.databases),
        backup: g.backup && {
          ...(g.backup.intervalHours !== undefined ? { intervalHours: g.backup.intervalHours } : {}),
          ...(g.backup.retain !== undefined ? { retain: g.backup.retain } : {}),
          ...(g.backup.copyTo !== undefined ? { copyTo: g.backup.copyTo ? copyTo : ('fallbacks' as const) } : {}),
        },
        failover: g.failover,
      })),
  );

/** What one property run finds in a synthesized flavor stage. */
export interface FlavorStageCheck {
  /** Error annotations of the stage (the ResidencyGuard's among them), as `path: message`. */
  readonly errors: readonly string[];
  /** What the post-synth assembly check (bin/app.ts's second net) finds outside the flavor. */
  readonly violations: readonly string[];
}

/**
 * Synthesizes the flavor's FlavorStage alone in a fresh App (as `cdk synth` would, with DNS) and
 * returns what the guard and the post-synth check of `bin/app.ts` (`checkAssemblyResidency`, one
 * Stage at a time) report; the assembly's temporary folder is removed. `addToStage` runs on the
 * built stage before synthesis (a test shows the checks are live by adding something foreign).
 */
export function checkFlavorStage(flavor: Flavor, addToStage: (stage: FlavorStage) => void = () => undefined): FlavorStageCheck {
  const app = testApp();
  const stage = new FlavorStage(app, { flavor, account: '111111111111', dns: parseDnsContext(CDK_CONTEXT.dns) });
  addToStage(stage);
  // `app.synth()` synthesizes each Stage first (this same call, its files final once written) and
  // then only re-walks the tree and writes the App's manifest: ~15% of a run (measured), nothing
  // the checks read. So the Stage is synthesized alone and checked by the per-Stage part of the check.
  const assembly = stage.synth();
  try {
    const errors = assembly.stacks.flatMap((s) =>
      s.messages.filter((m) => m.level === SynthesisMessageLevel.ERROR).map((m) => `${m.id}: ${messageText(m.entry.data)}`),
    );
    const violations = checkStageResidency(stage.stageName, assembly, flavorRegions(flavor)).map(formatViolation);
    return { errors, violations };
  } finally {
    fs.rmSync(app.outdir, { recursive: true, force: true });
  }
}

/** The property: every valid flavor synthesizes with no error and nothing outside its regions. */
export const flavorStageStaysInside = fc.property(validFlavorSpec, (spec) => {
  const check = checkFlavorStage(defineFlavor(spec));
  if (check.errors.length > 0 || check.violations.length > 0) {
    throw new Error(`flavor ${spec.name} escapes its regions:\n${[...check.errors, ...check.violations].join('\n')}`);
  }
});
