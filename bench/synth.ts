// Synth benchmark: wall time and peak memory of the CDK app (bin/app.ts, exactly what `cdk synth`
// runs) for the project's flavors and for N generated flavors. Prints one JSON line per case.
// Targets (2 cores): project flavors <= 3 s, 50 flavors <= 15 s, growing linearly.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { REGION_CATALOG } from '../lib/flavor/regions';

const ROOT = path.join(__dirname, '..');
const CONTEXT = (JSON.parse(fs.readFileSync(path.join(ROOT, 'cdk.json'), 'utf-8')) as { context?: Record<string, unknown> }).context;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

/** Writes N valid flavors: two regions of one country when the catalog has them, else a global pair. */
function generateFlavors(dir: string, n: number): void {
  const lib = path.join(ROOT, 'lib', 'flavor').split(path.sep).join('/');
  const regions = REGION_CATALOG.map((r) => r.region);
  for (let i = 0; i < n; i++) {
    const primary = regions[i % regions.length];
    const fallback = regions[(i + 7) % regions.length];
    fs.writeFileSync(
      path.join(dir, `gen-${i}.ts`),
      `import { defineFlavor } from '${lib}';
export default defineFlavor({
  name: 'gen-${i}',
  residency: 'global',
  regions: [{ region: '${primary}', role: 'primary' }, { region: '${fallback}', role: 'fallback' }],
  databases: {
    ledger: { platform: 'ec2', engine: 'postgres', instanceType: 'r5.large', nodes: 3, volume: { sizeGiB: 100 } },
    reports: { platform: 'rds', engine: 'postgres', instanceType: 'db.r5.large', storageGiB: 100 },
  },
  backup: { intervalHours: 1, retain: 24 },
});
`,
    );
  }
}

interface Sample {
  wallMs: number;
  peakRssMiB: number;
  stacks: number;
}

function synthOnce(flavorsDir: string): Sample {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-synth-'));
  const rssFile = path.join(out, 'rss');
  try {
    const started = process.hrtime.bigint();
    const result = spawnSync(
      process.execPath,
      ['--require', path.join(__dirname, 'rss-probe.cjs'), '--import', 'tsx', path.join(ROOT, 'bin', 'app.ts')],
      {
        cwd: ROOT,
        encoding: 'utf-8',
        env: {
          ...process.env,
          AWS_EC2_METADATA_DISABLED: 'true',
          CDK_OUTDIR: path.join(out, 'cdk.out'),
          BENCH_RSS_FILE: rssFile,
          CDK_CONTEXT_JSON: JSON.stringify({ ...CONTEXT, flavorsDir }),
        },
      },
    );
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    if (result.status !== 0) throw new Error(`synth failed (${result.status}): ${result.stderr}`);
    const manifestStacks = (dir: string): number =>
      fs.readdirSync(dir).filter((f) => f.endsWith('.template.json')).length +
      fs
        .readdirSync(dir)
        .filter((f) => f.startsWith('assembly-'))
        .reduce((n, f) => n + manifestStacks(path.join(dir, f)), 0);
    return { wallMs, peakRssMiB: Number(fs.readFileSync(rssFile, 'utf-8')) / 1024, stacks: manifestStacks(path.join(out, 'cdk.out')) };
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function bench(label: string, flavorsDir: string, flavors: number): void {
  const samples = Array.from({ length: RUNS }, () => synthOnce(flavorsDir));
  const wall = median(samples.map((s) => s.wallMs));
  console.log(
    JSON.stringify({
      bench: 'synth',
      case: label,
      flavors,
      stacks: samples[0].stacks,
      runs: RUNS,
      wallMsMedian: Math.round(wall),
      wallMsMin: Math.round(Math.min(...samples.map((s) => s.wallMs))),
      msPerFlavor: Math.round(wall / flavors),
      peakRssMiB: Math.round(Math.max(...samples.map((s) => s.peakRssMiB))),
      cores: os.cpus().length,
    }),
  );
}

const project = path.join(ROOT, 'flavors');
bench('project-flavors', project, fs.readdirSync(project).filter((f) => f.endsWith('.ts')).length);
for (const n of (process.env.BENCH_SIZES ?? '10,50').split(',').map(Number)) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-flavors-${n}-`));
  try {
    generateFlavors(dir, n);
    bench(`generated-${n}`, dir, n);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
