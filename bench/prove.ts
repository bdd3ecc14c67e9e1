// Residency proof by property: synthesizes N random valid flavors (default 1,000), each alone in its
// own App, and checks that none has an error annotation (ResidencyGuard) or anything the post-synth
// assembly check finds outside its regions. The same property runs 10 times in `npm test`, 100 in CI (.ci/run).
//   npm run prove                       1,000 runs, random seed
//   npm run prove -- --runs 200         fewer runs
//   npm run prove -- --seed 1234        replay a run (same flavors, same order)
// Prints one JSON line (runs, seed, seconds, failed) and a sentence; exit 1 with the shrunk flavor on failure.
import * as fc from 'fast-check';
import { parseArgs } from 'util';
import { flavorStageStaysInside } from '../test/helpers/flavor-property';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '1000' }, seed: { type: 'string' } } });
const runs = Number(values.runs);
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(seed)) {
  console.error('error PROVE_ARGS_INVALID: --runs must be a positive integer and --seed an integer, e.g. npm run prove -- --runs 1000 --seed 42');
  process.exit(1);
}

let done = 0;
const started = Date.now();
const property = flavorStageStaysInside.afterEach(() => {
  done++;
  if (done % 50 === 0) console.error(`  ${done} flavors synthesized (${Math.round((Date.now() - started) / 1000)} s)`);
});
const details = fc.check(property, { numRuns: runs, seed, endOnFailure: false });
const seconds = Math.round((Date.now() - started) / 100) / 10;
console.log(JSON.stringify({ bench: 'prove-residency', runs: details.numRuns, seed: details.seed, seconds, failed: details.failed }));
if (details.failed) {
  console.log(fc.defaultReportMessage(details));
  console.log(`replay: npm run prove -- --runs ${runs} --seed ${details.seed}`);
  process.exit(1);
}
console.log(
  `${details.numRuns} random valid flavors synthesized in ${seconds} s: no error annotation, nothing outside ` +
    `their regions (seed ${details.seed}; replay: npm run prove -- --runs ${runs} --seed ${details.seed}).`,
);
