import * as net from 'net';
import { startEmbeddedStore } from '../../../../lib/lookup/runtime/embedded-store';

describe('embedded store', () => {
  test('answers on 127.0.0.1 and frees its port on close', async () => {
    const store = await startEmbeddedStore({ port: 0 });
    expect(store.endpoint).toBe(`http://127.0.0.1:${store.port}`);
    const res = await fetch(store.endpoint);
    expect(await res.text()).toContain('healthy');
    await store.close();
    await expect(fetch(store.endpoint)).rejects.toThrow();
  });

  test('a port in use is a clear error', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      await expect(startEmbeddedStore({ port })).rejects.toThrow(
        `port ${port} on 127.0.0.1 is in use (another lookup serve?); stop it or pass --store-port <port>.`,
      );
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
