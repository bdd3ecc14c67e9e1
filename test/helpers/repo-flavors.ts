// The repository's flavor files as modules, for tests that need the flavors as data: importing them costs nothing,
// while `loadFlavorsOrThrow` runs them in a sandboxed child process (its own tests, and the CLI's, cover that path).
import germanyBelgium from '../../flavors/germany-belgium';
import globalFlavor from '../../flavors/global';
import usAustralia from '../../flavors/us-australia';
import type { Flavor } from '../../lib/flavor/types';

/** Every flavor of `flavors/`, in file-name order as `loadFlavorsOrThrow` returns them. */
export const REPO_FLAVORS: readonly Flavor[] = [germanyBelgium, globalFlavor, usAustralia];
