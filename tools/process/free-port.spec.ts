import { createConnection, createServer, Server, Socket } from 'node:net';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { freePort, portFree, ephemeralRange } = require('./free-port') as {
  freePort(host?: string): Promise<number>;
  portFree(port: number, host?: string): Promise<boolean>;
  ephemeralRange(): [number, number];
};

const listen = (port: number) =>
  new Promise<Server>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => resolve(server));
  });
const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

describe('freePort', () => {
  it('given a busy machine, when ports are picked, then none is in the ephemeral range that outgoing connections draw from', async () => {
    const [low, high] = ephemeralRange();
    // Outgoing connections hold ports from that range while we pick: ours must stay clear of them.
    const target = await listen(0);
    const sockets: Socket[] = [];
    for (let i = 0; i < 50; i++) sockets.push(createConnection((target.address() as { port: number }).port, '127.0.0.1'));
    await Promise.all(sockets.map((socket) => new Promise((resolve) => socket.once('connect', resolve))));
    const outgoing = new Set(sockets.map((socket) => socket.localPort));

    const picked = [];
    for (let i = 0; i < 200; i++) picked.push(await freePort());

    expect(picked.filter((port) => port >= low && port <= high)).toEqual([]);
    expect(picked.filter((port) => outgoing.has(port))).toEqual([]);
    expect(new Set(picked).size).toBe(picked.length);
    sockets.forEach((socket) => socket.destroy());
    await close(target);
  });

  it('given a picked port, then a server can listen on it exclusively, and portFree says it is taken once one does', async () => {
    const port = await freePort();
    const server = await listen(port);
    expect(await portFree(port)).toBe(false);
    await close(server);
    expect(await portFree(port)).toBe(true);
  });
});
