// jest globalTeardown: stops the run's PostgreSQL servers and deletes their data (see embedded-pg.ts).
import { teardownRun } from './embedded-pg-run';

export default async function globalTeardown(): Promise<void> {
  await teardownRun();
}
