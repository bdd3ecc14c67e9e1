// Validates Kubernetes manifests against the `kubernetes-models` schemas. kubernetes-models is ESM-only
// and cannot load in jest's CommonJS runtime, so tests spawn this script:
//   node test/helpers/validate-k8s.mjs <file.json|file.yaml|->   (JSON array, or YAML documents)
// It prints one JSON array: { kind, name, ok, error? } per manifest; `ok: null` = no model for the kind.
import * as fs from 'fs';
import { parseAllDocuments } from 'yaml';

const file = process.argv[2] ?? '-';
const text = fs.readFileSync(file === '-' ? 0 : file, 'utf-8');
const manifests = text.trimStart().startsWith('[')
  ? JSON.parse(text)
  : parseAllDocuments(text)
      .map((d) => d.toJS())
      .filter(Boolean);

const results = [];
for (const manifest of manifests) {
  const [group, version] = manifest.apiVersion.includes('/') ? manifest.apiVersion.split('/') : [undefined, manifest.apiVersion];
  const name = manifest.metadata?.name;
  let Model;
  try {
    Model = (await import(`kubernetes-models/${group ? `${group}/` : ''}${version}`))[manifest.kind];
  } catch {
    Model = undefined;
  }
  if (!Model) {
    results.push({ kind: manifest.kind, name, ok: null });
    continue;
  }
  try {
    new Model(manifest).validate();
    results.push({ kind: manifest.kind, name, ok: true });
  } catch (err) {
    results.push({ kind: manifest.kind, name, ok: false, error: err instanceof Error ? err.message : String(err) });
  }
}
process.stdout.write(JSON.stringify(results));
