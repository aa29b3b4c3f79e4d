/** The embedded MQTT broker (aedes) of `hes serve --mqtt embedded[:port]`, on 127.0.0.1. */
import net from 'node:net';
import { Aedes } from 'aedes';
import type { Logger } from '../logger.js';

export interface EmbeddedBroker {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startEmbeddedBroker(o: { port: number; host?: string; logger?: Logger }): Promise<EmbeddedBroker> {
  const host = o.host ?? '127.0.0.1';
  const broker = await Aedes.createBroker();
  const server = net.createServer(broker.handle);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    await new Promise<void>((r) => broker.close(() => r()));
    throw e;
  }
  const port = (server.address() as net.AddressInfo).port;
  const url = `mqtt://${host}:${port}`;
  o.logger?.info({ url }, 'embedded MQTT broker listening');
  return {
    url,
    port,
    close: async () => {
      await new Promise<void>((r) => broker.close(() => r()));
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
