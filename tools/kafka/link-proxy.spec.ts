import * as net from 'node:net';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createLinkProxies } = require('./link-proxy') as {
  createLinkProxies(): {
    listen(links: { from: number; to: number; host: string; port: number; targetPort: number }[]): Promise<void>;
    cut(pairs: [number, number][]): void;
    heal(pairs: [number, number][] | 'all'): void;
    close(): void;
  };
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An echo server standing for node 2's port, and what it received. */
async function echoServer() {
  const received: string[] = [];
  const sockets: net.Socket[] = [];
  let closed = 0;
  const server = net.createServer((socket) => {
    sockets.push(socket);
    socket.on('close', () => closed++);
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => {
      received.push(chunk.toString());
      socket.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    received,
    connections: () => sockets.length,
    closed: () => closed,
    close: () => {
      sockets.forEach((s) => s.destroy());
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A client of the link 1 → 2 (as node 1 would connect to node 2's port through 127.0.1.2). */
async function client(port: number) {
  const socket = net.connect({ host: '127.0.1.2', port });
  await new Promise((resolve) => socket.once('connect', resolve));
  const echoed: string[] = [];
  let closed = false;
  socket.on('data', (chunk) => echoed.push(chunk.toString()));
  socket.on('close', () => (closed = true));
  socket.on('error', () => undefined);
  return { socket, echoed, closed: () => closed };
}

describe('link-proxy: the cuttable links between the nodes of a test cluster', () => {
  it('given a link 1 → 2, when it is cut, no byte passes and nothing is closed or refused; when healed, the held bytes and connections go through', async () => {
    const node2 = await echoServer();
    const proxies = createLinkProxies();
    try {
      await proxies.listen([{ from: 1, to: 2, host: '127.0.1.2', port: node2.port, targetPort: node2.port }]);
      const open = await client(node2.port);
      open.socket.write('before');
      await sleep(100);
      expect(open.echoed.join('')).toBe('before');

      proxies.cut([[1, 2]]);
      open.socket.write('during');
      const late = await client(node2.port); // accepted, as a connection to a partitioned host is not refused
      late.socket.write('new');
      await sleep(300);
      expect(node2.received.join('')).toBe('before');
      expect(node2.connections()).toBe(1);
      expect([open.closed(), late.closed()]).toEqual([false, false]);

      proxies.heal('all');
      await sleep(300);
      expect(open.echoed.join('')).toBe('beforeduring');
      expect(late.echoed.join('')).toBe('new');
      expect(node2.connections()).toBe(2);
      open.socket.destroy();
      late.socket.destroy();
    } finally {
      proxies.close();
      await node2.close();
    }
  });

  it('given a connection closed on one side while the link is cut, the other side learns it only on heal', async () => {
    const node2 = await echoServer();
    const proxies = createLinkProxies();
    try {
      await proxies.listen([{ from: 1, to: 2, host: '127.0.1.2', port: node2.port, targetPort: node2.port }]);
      const open = await client(node2.port);
      open.socket.write('x');
      await sleep(100);
      proxies.cut([[1, 2]]);
      open.socket.destroy();
      await sleep(300);
      expect(node2.closed()).toBe(0);
      proxies.heal([[1, 2]]);
      await sleep(300);
      expect(node2.closed()).toBe(1);
    } finally {
      proxies.close();
      await node2.close();
    }
  });
});
