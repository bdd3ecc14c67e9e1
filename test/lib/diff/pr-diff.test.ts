import { dangerousChanges, diffStack, diffStages, renderDiffMarkdown, topologyChanged, type StageTemplates } from '../../../lib/diff/pr-diff';

const volume = (size: number) => ({
  Resources: {
    LedgerData0: { Type: 'AWS::EC2::Volume', Properties: { AvailabilityZone: 'us-east-1a', Size: size, Encrypted: true }, DeletionPolicy: 'Retain' },
  },
});
const database = (dbName: string) => ({
  Resources: { ReportsDb: { Type: 'AWS::RDS::DBInstance', Properties: { DBName: dbName, Engine: 'postgres' }, DeletionPolicy: 'Snapshot' } },
});

describe('diffStack', () => {
  test('a property updated in place is a change, not a replacement', () => {
    expect(diffStack('s', volume(100), volume(200))).toEqual([
      { stack: 's', logicalId: 'LedgerData0', type: 'AWS::EC2::Volume', kind: 'changed', stateful: true, properties: ['Size'] },
    ]);
  });

  test('a property that forces replacement is called a replacement and names the property', () => {
    const [change] = diffStack('s', database('reports'), database('reporting'));
    expect(change).toEqual(expect.objectContaining({ kind: 'replaced', stateful: true, properties: ['DBName'] }));
  });

  test('a renamed logical id is a removal plus an addition', () => {
    const renamed = { Resources: { LedgerDataRenamed: volume(100).Resources.LedgerData0 } };
    expect(diffStack('s', volume(100), renamed).map((c) => [c.logicalId, c.kind])).toEqual([
      ['LedgerData0', 'removed'],
      ['LedgerDataRenamed', 'added'],
    ]);
  });
});

describe('diffStages and the Markdown summary', () => {
  const stage = (t: Record<string, unknown>): StageTemplates => new Map([['f-us-east-1', t]]);

  test('stateful replacements are called out above the table', () => {
    const diffs = diffStages(
      new Map([['f', stage(database('a'))]]),
      new Map([
        ['f', stage(database('b'))],
        ['g', stage(volume(10))],
      ]),
    );
    expect(diffs.map((d) => [d.stage, d.status])).toEqual([
      ['f', 'changed'],
      ['g', 'added'],
    ]);
    expect(dangerousChanges(diffs).map((c) => c.logicalId)).toEqual(['ReportsDb']);
    const md = renderDiffMarkdown(diffs, 'origin/main');
    expect(md).toContain('> - **replaced** `AWS::RDS::DBInstance` `ReportsDb` in `f-us-east-1` (because of DBName)');
    expect(md).toContain('| `f` | changed | 0 | 0 | 1 | 0 |');
    expect(md).toContain('| `g` | added | 1 | 0 | 0 | 0 |');
  });

  test('no change says so and raises nothing', () => {
    const diffs = diffStages(new Map([['f', stage(volume(1))]]), new Map([['f', stage(volume(1))]]));
    expect(dangerousChanges(diffs)).toEqual([]);
    expect(renderDiffMarkdown(diffs, 'main')).toContain('No infrastructure changes.');
  });

  test('Given a database change and a flavor without one, when pictures are given, then only the changed topology is shown below the table', () => {
    const diffs = diffStages(
      new Map([
        ['f', stage(database('a'))],
        ['h', stage(volume(1))],
      ]),
      new Map([
        ['f', stage(database('b'))],
        ['h', stage(volume(1))],
      ]),
    );
    expect(diffs.filter(topologyChanged).map((d) => d.stage)).toEqual(['f']);
    const md = renderDiffMarkdown(diffs, 'main', [{ flavor: 'f', mermaid: 'flowchart LR\n  a --> b\n', image: 'pictures/f.svg' }]);
    expect(md).toContain('### Topology after this change');
    expect(md).toContain('```mermaid\nflowchart LR\n  a --> b\n```');
    expect(md).toContain('![f: regions, copies, DNS failover order, databases](pictures/f.svg)');
    // Without a hosted SVG (the pull-request workflow) the comment carries the Mermaid picture only.
    const mermaidOnly = renderDiffMarkdown(diffs, 'main', [{ flavor: 'f', mermaid: 'flowchart LR\n  a --> b\n' }]);
    expect(mermaidOnly).toContain('```mermaid');
    expect(mermaidOnly).not.toContain('![');
    expect(renderDiffMarkdown(diffs, 'main')).not.toContain('Topology');
  });
});
