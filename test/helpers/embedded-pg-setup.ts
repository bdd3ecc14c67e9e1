// jest globalSetup: a run folder where each jest worker keeps one PostgreSQL for all its test files (see embedded-pg.ts).
import { setupRun } from './embedded-pg-run';

export default async function globalSetup(): Promise<void> {
  await setupRun();
}
