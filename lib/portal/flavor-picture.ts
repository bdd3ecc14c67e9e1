import { snapshotCopyDestinations } from '../backup/copy-destinations';
import { planFailoverRecords } from '../failover/failover-records';
import type { DatabaseSpec, Flavor } from '../flavor/types';
import { regionInfo } from '../flavor/regions';
import { LOOKUP_DEFAULTS } from '../lookup/runtime/defaults';

/** Graphviz string literal (DOT's only escapes inside "…" are `\"` and `\\`; `\n` is a line break). */
const q = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
const nodeId = (region: string) => q(`region:${region}`);

function databaseLine(name: string, db: DatabaseSpec): string {
  if (db.platform === 'ec2') return `${name}: ec2 ${db.engine} ${db.instanceType} ×${db.nodes}, ${db.volume.sizeGiB} GiB`;
  if (db.platform === 'rds') return `${name}: rds ${db.engine} ${db.instanceType}, ${db.storageGiB} GiB`;
  return `${name}: k8s ${db.engine} ×${db.instances}, ${db.storageGiB} GiB`;
}

/** The order DNS sends traffic in: the regions of the flavor endpoint's records, first healthy wins. */
export function dnsFailoverOrder(flavor: Flavor, zoneName: string = LOOKUP_DEFAULTS.endpointZone): string[] {
  const regions = [flavor.primaryRegion, ...flavor.fallbackRegions];
  const records = planFailoverRecords(flavor.name, regions, zoneName, flavor.failover.dns === 'automatic');
  return records.filter((r) => r.region !== undefined).map((r) => r.region!);
}

/**
 * The flavor as a Graphviz digraph (pure): regions grouped by country, primary and fallbacks,
 * the databases each region runs, dashed snapshot-copy arrows (the backup construct's own
 * destinations) and the DNS endpoint's failover order (the failover construct's own record plan).
 */
export function flavorDot(flavor: Flavor, zoneName: string = LOOKUP_DEFAULTS.endpointZone): string {
  const lines = [
    `digraph ${q(flavor.name)} {`,
    '  graph [rankdir=LR, fontname="Helvetica", fontsize=11, nodesep=0.4, ranksep=0.9, label=' +
      q(`${flavor.name}: ${flavor.description}`) +
      ', labelloc=t];',
    '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10, fillcolor="#ffffff"];',
    '  edge [fontname="Helvetica", fontsize=9];',
  ];
  const databases = Object.entries(flavor.databases).map(([name, db]) => databaseLine(name, db));
  const byCountry = new Map<string, string[]>();
  for (const { region } of flavor.regions) {
    const country = regionInfo(region)?.country ?? '??';
    byCountry.set(country, [...(byCountry.get(country) ?? []), region]);
  }
  for (const [country, regions] of [...byCountry].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`  subgraph ${q(`cluster_${country}`)} {`, `    label=${q(`country ${country}`)}; style="rounded,dashed"; color="#8090a0";`);
    for (const region of regions) {
      const primary = region === flavor.primaryRegion;
      const role = primary ? 'primary' : `fallback ${flavor.fallbackRegions.indexOf(region) + 1}`;
      const label = [`${region} (${role})`, regionInfo(region)?.city ?? '', ...databases].filter(Boolean).join('\n');
      lines.push(`    ${nodeId(region)} [label=${q(label)}, fillcolor=${q(primary ? '#dbeafe' : '#f1f5f9')}, penwidth=${primary ? 2 : 1}];`);
    }
    lines.push('  }');
  }
  for (const { region } of flavor.regions) {
    for (const to of snapshotCopyDestinations(flavor, region)) {
      lines.push(`  ${nodeId(region)} -> ${nodeId(to)} [style=dashed, color="#6b7280", label="snapshot copy"];`);
    }
  }
  const dns = q(`dns:${flavor.name}`);
  lines.push(`  ${dns} [shape=ellipse, fillcolor="#fef3c7", label=${q(`${flavor.name}.${zoneName}\nDNS failover: ${flavor.failover.dns}`)}];`);
  dnsFailoverOrder(flavor, zoneName).forEach((region, i) => {
    lines.push(`  ${dns} -> ${nodeId(region)} [color="#b45309", label=${q(i === 0 ? '1 (first healthy)' : String(i + 1))}];`);
  });
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/** A Mermaid label: quotes and angle brackets as Mermaid's entity codes, line breaks as `<br/>`. */
const mq = (s: string) => `"${s.replace(/#/g, '#35;').replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;').replace(/\n/g, '<br/>')}"`;
const mermaidId = (region: string) => `r_${region.replace(/-/g, '_')}`;

/**
 * The same picture as `flavorDot`, as a Mermaid flowchart (pure): GitHub renders Mermaid in pull
 * request comments, where an SVG would need hosting. Countries are subgraphs, the primary is
 * highlighted, snapshot copies are dotted arrows and the DNS endpoint points at the regions in
 * failover order.
 */
export function flavorMermaid(flavor: Flavor, zoneName: string = LOOKUP_DEFAULTS.endpointZone): string {
  const lines = ['flowchart LR'];
  const databases = Object.entries(flavor.databases).map(([name, db]) => databaseLine(name, db));
  const byCountry = new Map<string, string[]>();
  for (const { region } of flavor.regions) {
    const country = regionInfo(region)?.country ?? '??';
    byCountry.set(country, [...(byCountry.get(country) ?? []), region]);
  }
  for (const [country, regions] of [...byCountry].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`  subgraph c_${country.replace(/\W/g, '_')}[${mq(`country ${country}`)}]`);
    for (const region of regions) {
      const role = region === flavor.primaryRegion ? 'primary' : `fallback ${flavor.fallbackRegions.indexOf(region) + 1}`;
      lines.push(`    ${mermaidId(region)}[${mq([`${region} (${role})`, regionInfo(region)?.city ?? '', ...databases].filter(Boolean).join('\n'))}]`);
    }
    lines.push('  end');
  }
  for (const { region } of flavor.regions) {
    for (const to of snapshotCopyDestinations(flavor, region)) lines.push(`  ${mermaidId(region)} -. snapshot copy .-> ${mermaidId(to)}`);
  }
  lines.push(`  dns([${mq(`${flavor.name}.${zoneName}\nDNS failover: ${flavor.failover.dns}`)}])`);
  dnsFailoverOrder(flavor, zoneName).forEach((region, i) => {
    lines.push(`  dns -->|${mq(i === 0 ? '1 (first healthy)' : String(i + 1))}| ${mermaidId(region)}`);
  });
  lines.push('  classDef primary fill:#dbeafe,stroke:#1d4ed8,stroke-width:2px', `  class ${mermaidId(flavor.primaryRegion)} primary`);
  return `${lines.join('\n')}\n`;
}

// Graphviz in WASM takes ~100 ms to start; one instance serves every picture of the process.
let viz: Promise<{ renderString(dot: string, options: { format: 'svg' }): string }> | undefined;

/** The flavor's picture as an SVG document, rendered on the server with Graphviz (WASM). */
export async function renderFlavorSvg(flavor: Flavor, zoneName?: string): Promise<string> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  viz ??= (require('@viz-js/viz') as typeof import('@viz-js/viz')).instance();
  return (await viz).renderString(flavorDot(flavor, zoneName), { format: 'svg' });
}
