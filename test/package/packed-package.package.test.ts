// The package as a team gets it: `npm pack`, unpacked into a fresh project, loaded by plain Node (no
// tsx, no jest) and compiled by tsc. Runs in `npm run test:package` (the pack builds with tsc).
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ROOT } from '../helpers/run-cli';

/** What `import 'flavors-cdk'` must never cost a team: SDK clients, esbuild, cdk8s, jose, pg. */
const HEAVY = /node_modules\/(@aws-sdk\/client-[^/]+|esbuild|cdk8s|jose|pg|dynalite)\//;

let project: string;

function run(command: string, args: string[], cwd: string): string {
  const result = spawnSync(command, args, {
    cwd,
    encoding: 'utf-8',
    maxBuffer: 1 << 26,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** Loads an entry in a fresh Node process and reports which modules came with it. */
function modulesLoadedBy(entry: string): { modules: string[]; exports: string[] } {
  const script = `
    const before = new Set(Object.keys(require.cache));
    const m = require(${JSON.stringify(entry)});
    const modules = Object.keys(require.cache).filter((k) => !before.has(k)).map((k) => require('fs').realpathSync(k));
    process.stdout.write(JSON.stringify({ modules, exports: Object.keys(m) }));`;
  return JSON.parse(run(process.execPath, ['-e', script], project));
}

beforeAll(() => {
  // Given the packed package (prepack builds dist/ with tsc) unpacked into a new project whose
  // dependencies are this repository's installed ones
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'flavors-pack-'));
  const tarball = run('npm', ['pack', '--silent', '--pack-destination', work], ROOT).trim().split('\n').pop()!;
  project = path.join(work, 'consumer');
  const modules = path.join(project, 'node_modules');
  fs.mkdirSync(path.join(modules, 'flavors-cdk'), { recursive: true });
  run('tar', ['-xzf', path.join(work, tarball), '-C', path.join(modules, 'flavors-cdk'), '--strip-components=1'], work);
  for (const name of fs.readdirSync(path.join(ROOT, 'node_modules'))) {
    if (name.startsWith('.')) continue;
    fs.symlinkSync(path.join(ROOT, 'node_modules', name), path.join(modules, name), 'dir');
  }
}, 180_000);

afterAll(() => {
  if (project) fs.rmSync(path.dirname(project), { recursive: true, force: true });
});

describe('the root entry point', () => {
  test('Given a fresh Node process, When it requires flavors-cdk, Then no SDK client, esbuild, cdk8s, jose or pg is loaded', () => {
    const { modules, exports } = modulesLoadedBy('flavors-cdk');
    expect(modules.filter((m) => HEAVY.test(m))).toEqual([]);
    const own = modules.filter((m) => m.includes('/node_modules/flavors-cdk/'));
    // The library's own modules: the constructs, the flavor model and residency (60 today).
    expect(own.length).toBeLessThan(90);
    expect(exports).toEqual(
      expect.arrayContaining(['RegionalVpc', 'DbNodeFleet', 'FlavorKey', 'defineFlavor', 'GlobalLookupTable', 'LookupService']),
    );
    expect(exports).not.toContain('drStatus');
    expect(exports).not.toContain('verifyFlavorToken');
  });

  test.each([
    ['flavors-cdk/ops', ['drStatus', 'runFailover', 'loadConnectionsFile']],
    ['flavors-cdk/lookup-runtime', ['verifyFlavorToken', 'checkSpaceRecord']],
    ['flavors-cdk/k8s', ['PostgresClusterChart']],
    ['flavors-cdk/fence', ['SpaceWriteFence', 'bumpFenceEpoch', 'installFence']],
  ])('Given the subpath %s, When required, Then it exports %j', (entry, names) => {
    expect(modulesLoadedBy(entry).exports).toEqual(expect.arrayContaining(names));
  });
});

describe('types', () => {
  test('Given a consumer project, When tsc compiles a file importing every entry point, Then it type-checks', () => {
    fs.writeFileSync(
      path.join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          types: [],
        },
        files: ['consumer.ts'],
      }),
    );
    fs.writeFileSync(
      path.join(project, 'consumer.ts'),
      [
        "import { App } from 'aws-cdk-lib';",
        "import { defineFlavor, RegionalVpc, type Flavor } from 'flavors-cdk';",
        "import { drStatus, type ClientsFor } from 'flavors-cdk/ops';",
        "import { verifyFlavorToken, type FlavorTokenClaims } from 'flavors-cdk/lookup-runtime';",
        "import { PostgresClusterChart } from 'flavors-cdk/k8s';",
        "import { SpaceWriteFence } from 'flavors-cdk/fence';",
        'const app: App = new App();',
        'const flavor: Flavor = defineFlavor({ name: "canada", residency: { countries: ' +
          '["CA"] }, regions: [{ region: "ca-central-1", role: "primary" }] });',
        'export const used = [app, flavor, RegionalVpc, drStatus, verifyFlavorToken, PostgresClusterChart, SpaceWriteFence];',
        'export type Used = [ClientsFor, FlavorTokenClaims];',
      ].join('\n'),
    );
    const tsc = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project], { encoding: 'utf-8' });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  });
});
