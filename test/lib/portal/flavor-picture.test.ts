import germanyBelgium from '../../../flavors/germany-belgium';
import globalFlavor from '../../../flavors/global';
import usAustralia from '../../../flavors/us-australia';
import { dnsFailoverOrder, flavorDot, flavorMermaid, renderFlavorSvg } from '../../../lib/portal/flavor-picture';

describe('flavorDot', () => {
  test('Given a two-country flavor, when drawn, then regions sit in their country clusters with roles, databases, copies and the DNS order', () => {
    const dot = flavorDot(usAustralia, 'example.org');
    expect(dot).toContain('subgraph "cluster_AU"');
    expect(dot).toContain('subgraph "cluster_US"');
    expect(dot).toMatch(/"region:us-east-1" \[label="us-east-1 \(primary\)\\nN\. Virginia\\nledger: ec2 postgres r5n\.xlarge ×3, 500 GiB/);
    expect(dot).toContain('"region:us-east-1" -> "region:ap-southeast-2" [style=dashed, color="#6b7280", label="snapshot copy"]');
    expect(dot).toContain('"dns:us-australia" -> "region:us-east-1" [color="#b45309", label="1 (first healthy)"]');
    expect(dot).toContain('"dns:us-australia" -> "region:ap-southeast-2" [color="#b45309", label="2"]');
    expect(dot).toContain('us-australia.example.org');
  });

  test('Given a single-region flavor with manual DNS, when drawn, then there are no copy arrows and DNS points at the one region', () => {
    const dot = flavorDot(germanyBelgium);
    expect(dot).not.toContain('snapshot copy');
    expect(dnsFailoverOrder(germanyBelgium)).toEqual(['eu-central-1']);
    expect(dot).toContain('DNS failover: manual');
  });

  test('Given three regions, when the DNS order is read, then it follows the failover record chain: primary first, then fallbacks in order', () => {
    expect(dnsFailoverOrder(globalFlavor)).toEqual([globalFlavor.primaryRegion, ...globalFlavor.fallbackRegions]);
  });

  test('Given text with quotes, when drawn, then DOT strings stay closed', () => {
    const dot = flavorDot({ ...germanyBelgium, description: 'say "hi" \\ bye' });
    expect(dot).toContain('say \\"hi\\" \\\\ bye');
  });
});

describe('renderFlavorSvg', () => {
  test('Given a flavor, when rendered with Graphviz (WASM), then an SVG document with every region comes back', async () => {
    const svg = await renderFlavorSvg(globalFlavor);
    expect(svg).toMatch(/<svg[\s\S]*<\/svg>\s*$/);
    // Graphviz writes '-' as a character reference in SVG text.
    for (const r of globalFlavor.regions) expect(svg).toContain(r.region.replace(/-/g, '&#45;'));
  });
});

describe('flavorMermaid', () => {
  test(
    'Given a two-country flavor, when drawn for a pull-request comment, then ' +
      'it has the same regions, roles, databases, copies and DNS order as the SVG',
    () => {
      const mermaid = flavorMermaid(usAustralia, 'example.org');
      expect(mermaid.split('\n')[0]).toBe('flowchart LR');
      expect(mermaid).toContain('  subgraph c_AU["country AU"]');
      expect(mermaid).toContain('  subgraph c_US["country US"]');
      expect(mermaid).toMatch(/ {4}r_us_east_1\["us-east-1 \(primary\)<br\/>N\. Virginia<br\/>ledger: ec2 postgres r5n\.xlarge ×3, 500 GiB/);
      expect(mermaid).toContain('  r_us_east_1 -. snapshot copy .-> r_ap_southeast_2');
      expect(mermaid).toContain('  dns -->|"1 (first healthy)"| r_us_east_1');
      expect(mermaid).toContain('  dns -->|"2"| r_ap_southeast_2');
      expect(mermaid).toContain('  class r_us_east_1 primary');
      // Every subgraph is closed.
      expect(mermaid.match(/^ {2}subgraph /gm)!.length).toBe(mermaid.match(/^ {2}end$/gm)!.length);
    },
  );

  test('Given text that Mermaid would read as syntax, when drawn, then it is written as entity codes inside the label', () => {
    const mermaid = flavorMermaid({ ...germanyBelgium, name: 'g', databases: {} }, 'a"b<c>.example.org');
    expect(mermaid).toContain('dns(["g.a#quot;b#lt;c#gt;.example.org<br/>DNS failover: manual"])');
    expect(mermaid).not.toContain('snapshot copy');
  });
});
