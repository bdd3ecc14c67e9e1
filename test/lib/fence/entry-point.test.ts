// `flavors-cdk/fence` is imported by data-plane services: it must not drag in the CDK or the AWS SDK.
import { build } from 'esbuild';
import * as path from 'path';

test('Given the fence entry point, When it is bundled, Then neither aws-cdk-lib, constructs nor the AWS SDK is part of it', async () => {
  const out = await build({
    entryPoints: [path.join(__dirname, '../../../lib/fence/index.ts')],
    bundle: true,
    write: false,
    platform: 'node',
    metafile: true,
    logLevel: 'silent',
    external: ['pg', 'pg-native'],
  });
  const inputs = Object.keys(out.metafile.inputs);
  expect(inputs.filter((i) => /aws-cdk-lib|[/\\]constructs[/\\]|@aws-sdk/.test(i))).toEqual([]);
  expect(inputs.some((i) => i.includes('lib/fence/space-write-fence.ts'))).toBe(true);
});
