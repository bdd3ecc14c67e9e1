import Ajv, { type ValidateFunction } from 'ajv';
import * as fs from 'fs';
import * as path from 'path';

/**
 * JSON Schemas of the custom resources the k8s path emits (hand-written from the CloudNativePG 1.25,
 * Strimzi 0.45 and CSI external-snapshotter API references; see each file's `$comment`), keyed by
 * `<apiVersion>/<kind>`. Kubernetes' own kinds are validated with `kubernetes-models` instead.
 */
const SCHEMA_FILES: Readonly<Record<string, string>> = {
  'postgresql.cnpg.io/v1': 'cnpg-v1.schema.json',
  'kafka.strimzi.io/v1beta2': 'strimzi-v1beta2.schema.json',
  'snapshot.storage.k8s.io/v1': 'volume-snapshot-class-v1.schema.json',
};

export interface CrdValidation {
  /** `false` when no hand-written schema covers the kind. */
  readonly known: boolean;
  readonly errors: readonly string[];
}

const SCHEMA_DIR = path.join(__dirname, '..', '..', 'lib', 'k8s', 'schemas');

/** A validator over the schemas in `lib/k8s/schemas/` (or `dir`). */
export function crdValidator(dir: string = SCHEMA_DIR): (manifest: { apiVersion?: unknown; kind?: unknown }) => CrdValidation {
  // `required` on free-form maps (labels, connector config) names keys the schema does not list, on purpose.
  const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, strictRequired: false });
  const compiled = new Map<string, ValidateFunction>();
  for (const [apiVersion, file] of Object.entries(SCHEMA_FILES)) {
    const schema = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf-8')) as { $id: string; definitions: Record<string, object> };
    ajv.addSchema(schema);
    for (const kind of Object.keys(schema.definitions).filter((k) => /^[A-Z]/.test(k))) {
      compiled.set(`${apiVersion}/${kind}`, ajv.getSchema(`${schema.$id}#/definitions/${kind}`)!);
    }
  }
  return (manifest) => {
    const validate = compiled.get(`${String(manifest.apiVersion)}/${String(manifest.kind)}`);
    if (!validate) return { known: false, errors: [] };
    if (validate(manifest)) return { known: true, errors: [] };
    return {
      known: true,
      errors: (validate.errors ?? []).map(
        (e) =>
          `${e.instancePath || '/'} ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`,
      ),
    };
  };
}
