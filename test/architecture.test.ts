// The layering DESIGN.md promises, checked on the import graph of the sources (TypeScript's own
// pre-processor reads each file's imports; nothing is executed).
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import { ROOT } from './helpers/run-cli';

type Graph = Map<string, string[]>;

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(rel);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [rel] : [];
  });
}

/** Every import and require of every source file: project files as repo-relative paths, packages by name. */
function importGraph(dirs: readonly string[]): Graph {
  const graph: Graph = new Map();
  for (const file of dirs.flatMap(sourceFiles)) {
    // Type-only imports vanish at compile time: they make no runtime edge (and no runtime cycle).
    const text = fs.readFileSync(path.join(ROOT, file), 'utf-8').replace(/^\s*(import|export)\s+type\s[^;]*;/gm, '');
    const info = ts.preProcessFile(text, true, true);
    graph.set(
      file,
      info.importedFiles.map(({ fileName }) => {
        if (!fileName.startsWith('.')) return fileName;
        const target = path.join(path.dirname(file), fileName);
        for (const candidate of [`${target}.ts`, path.join(target, 'index.ts'), target]) {
          if (fs.existsSync(path.join(ROOT, candidate))) return candidate;
        }
        return target;
      }),
    );
  }
  return graph;
}

const graph = importGraph(['lib', 'stacks', 'bin', 'flavors']);
const importsOf = (prefix: string) => [...graph].filter(([file]) => file.startsWith(prefix));

/** Files reachable from `start` through project imports (packages are leaves). */
function reachable(start: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file) || !graph.has(file)) return;
    seen.add(file);
    graph.get(file)!.forEach(visit);
  };
  visit(start);
  return seen;
}

describe('import graph', () => {
  test('Given the sources, When imports are read, Then the graph is not empty (the check below checks something)', () => {
    expect(graph.size).toBeGreaterThan(100);
    expect(graph.get('lib/index.ts')).toContain('lib/flavor/index.ts');
  });

  test.each(['lib/flavor/', 'lib/lookup/runtime/'])(
    'Given %s, When its imports are followed, Then aws-cdk-lib and constructs are never reached',
    (area) => {
      const offenders = importsOf(area).flatMap(([file]) =>
        [...reachable(file)]
          .filter((f) => graph.get(f)!.some((i) => i === 'aws-cdk-lib' || i.startsWith('aws-cdk-lib/') || i === 'constructs'))
          .map((f) => `${file} → ${f}`),
      );
      expect(offenders).toEqual([]);
    },
  );

  test('Given lib/, When its imports are read, Then none reaches up into bin/ or stacks/', () => {
    const offenders = importsOf('lib/').flatMap(([file, imports]) =>
      imports.filter((i) => i.startsWith('bin/') || i.startsWith('stacks/')).map((i) => `${file} → ${i}`),
    );
    expect(offenders).toEqual([]);
  });

  test('Given lib/ops, When its imports are read, Then it never imports aws-cdk-lib (ops is live accounts only)', () => {
    const offenders = importsOf('lib/ops/').flatMap(([file, imports]) =>
      imports.filter((i) => i.startsWith('aws-cdk-lib')).map((i) => `${file} → ${i}`),
    );
    expect(offenders).toEqual([]);
  });

  /** What each area may not reach, through any chain of imports (README "Layout" says why). */
  const FORBIDDEN: readonly (readonly [area: string, packages: readonly string[]])[] = [
    // The loader (load-flavors, sandbox-load) bundles flavor files with esbuild, required on first use only.
    ['lib/flavor/', ['aws-cdk-lib', 'constructs', '@aws-sdk/', 'cdk8s', 'jose', 'pg']],
    ['lib/errors.ts', ['aws-cdk-lib', 'constructs', '@aws-sdk/', 'cdk8s', 'esbuild', 'jose', 'pg']],
    ['lib/problems.ts', ['aws-cdk-lib', 'constructs', '@aws-sdk/', 'cdk8s', 'esbuild', 'jose', 'pg']],
    ['lib/aws-ids.ts', ['aws-cdk-lib', 'constructs', '@aws-sdk/', 'cdk8s', 'esbuild', 'jose', 'pg']],
    ['lib/unknown-values.ts', ['aws-cdk-lib', 'constructs', '@aws-sdk/', 'cdk8s', 'esbuild', 'jose', 'pg']],
    ['lib/lookup/runtime/', ['aws-cdk-lib', 'constructs', 'cdk8s', 'esbuild', 'pg']],
    // Dev replicas on Kubernetes render their CloudNativePG manifest with cdk8s (and so constructs).
    ['lib/ops/', ['aws-cdk-lib', 'esbuild']],
  ];

  test.each(FORBIDDEN)('Given %s, When its imports are followed, Then none of %j is reached', (area, packages) => {
    const forbidden = (i: string) => packages.some((p) => (p.endsWith('/') ? i.startsWith(p) : i === p || i.startsWith(`${p}/`)));
    const offenders = importsOf(area).flatMap(([file]) =>
      [...reachable(file)].flatMap((f) =>
        graph
          .get(f)!
          .filter(forbidden)
          .map((i) => `${file} → ${f} → ${i}`),
      ),
    );
    expect(offenders).toEqual([]);
  });

  test('Given every project file, When imports are followed, Then there is no cycle', () => {
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (file: string, trail: string[]) => {
      if (state.get(file) === 'done' || !graph.has(file)) return;
      if (state.get(file) === 'open') {
        cycles.push([...trail.slice(trail.indexOf(file)), file].join(' → '));
        return;
      }
      state.set(file, 'open');
      for (const next of graph.get(file)!) visit(next, [...trail, file]);
      state.set(file, 'done');
    };
    for (const file of graph.keys()) visit(file, []);
    expect(cycles).toEqual([]);
  });
});
