// `npm run pictures`: writes each flavor's picture to docs/flavors/<name>.svg (the README shows
// them). The same renderer draws them in the portal and in the PR diff comment.
import * as fs from 'fs';
import * as path from 'path';
import { loadFlavorsOrThrow } from '../lib/flavor/load-flavors';
import { renderFlavorSvg } from '../lib/portal/flavor-picture';

async function main(): Promise<void> {
  const root = path.resolve(__dirname, '..');
  const out = path.join(root, 'docs', 'flavors');
  fs.mkdirSync(out, { recursive: true });
  for (const flavor of loadFlavorsOrThrow(path.join(root, 'flavors'))) {
    const file = path.join(out, `${flavor.name}.svg`);
    fs.writeFileSync(file, await renderFlavorSvg(flavor));
    process.stdout.write(`wrote ${path.relative(root, file)}\n`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(
    `error ${err instanceof Error && 'code' in err ? String(err.code) : 'PICTURES_FAILED'}: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exitCode = 1;
});
