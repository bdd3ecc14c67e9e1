// dynalite (an in-memory DynamoDB) for tests that need a lookup table: its own module, so a test that needs only
// the store does not load the fake AWS account (test/lib/ops/world.ts and every SDK client it imports).
import type * as http from 'http';

/** dynalite on 127.0.0.1, port chosen by the system; close it in `finally`. */
export async function startDynalite(): Promise<{ endpoint: string; close: () => Promise<void> }> {
  // dynalite has no types; it returns an http.Server.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const dynalite = require('dynalite') as (options: Record<string, number>) => http.Server;
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
      }),
  };
}
