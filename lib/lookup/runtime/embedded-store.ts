import { Worker } from 'worker_threads';
import { FlavorsError } from '../../errors';

/** A DynamoDB-compatible store (dynalite, in memory) on 127.0.0.1, for development and tests. */
export interface EmbeddedStore {
  /** `http://127.0.0.1:<port>`: the endpoint of a DynamoDB client. */
  readonly endpoint: string;
  readonly port: number;
  /** Stops the store; its data is gone. */
  close(): Promise<void>;
}

export interface EmbeddedStoreOptions {
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port: number;
}

// Runs in the worker: plain CommonJS, so it needs no TypeScript loader.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('worker_threads');
const dynalite = require(workerData.dynalitePath);
const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.on('error', (err) => parentPort.postMessage({ type: 'error', code: err.code, message: err.message }));
server.listen(workerData.port, workerData.host, () => parentPort.postMessage({ type: 'listening', port: server.address().port }));
parentPort.on('message', (message) => {
  if (message !== 'close') return;
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
`;

/**
 * Starts dynalite in a worker thread. The store gets its own event loop (as a real store has its
 * own machine), so the service and the store do not queue behind each other on one thread, and a
 * benchmark of the bare store and of the service see the same store.
 */
export function startEmbeddedStore(options: EmbeddedStoreOptions): Promise<EmbeddedStore> {
  const host = options.host ?? '127.0.0.1';
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { dynalitePath: require.resolve('dynalite'), host, port: options.port } });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const close = async () => {
    worker.postMessage('close');
    const timer = setTimeout(() => void worker.terminate(), 5000);
    await exited;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    worker.once('error', (err) => reject(new FlavorsError('LOOKUP_STORE_START_FAILED', `the embedded store did not start: ${err.message}`)));
    worker.once('message', (message: { type: string; port?: number; code?: string; message?: string }) => {
      if (message.type === 'listening') {
        resolve({ endpoint: `http://${host}:${message.port}`, port: message.port!, close });
        return;
      }
      void worker.terminate();
      reject(
        message.code === 'EADDRINUSE'
          ? new FlavorsError(
              'LOOKUP_STORE_PORT_IN_USE',
              `port ${options.port} on ${host} is in use (another lookup serve?); stop it or pass --store-port <port>.`,
            )
          : new FlavorsError('LOOKUP_STORE_START_FAILED', `the embedded store did not start: ${message.message}`),
      );
    });
  });
}
