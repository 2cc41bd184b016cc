import * as net from 'node:net';

/**
 * Test-only TCP proxy in front of host:port, to simulate an outage of Postgres or Redis without touching
 * the shared servers: point the app at `127.0.0.1:<proxy port>`, then `cut()` and `restore()`.
 *
 *   const proxy = new TcpProxy('127.0.0.1', 6379);
 *   const port = await proxy.start();            // free port on 127.0.0.1
 *   proxy.cut();                                 // destroys every connection, refuses new ones
 *   proxy.restore();                             // accepts again
 *   await proxy.close();
 */
export class TcpProxy {
  private server?: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private down = false;
  private listenPort = 0;

  constructor(
    readonly targetHost: string,
    readonly targetPort: number,
  ) {}

  /** Connections accepted and forwarded since start (refused ones are not counted). */
  connectionsForwarded = 0;

  get port(): number {
    return this.listenPort;
  }

  /** `redis://127.0.0.1:<port>` style helper: the same URL with host:port replaced by the proxy's. */
  rewriteUrl(url: string): string {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(this.listenPort);
    return u.toString();
  }

  async start(port = 0): Promise<number> {
    if (this.server) return this.listenPort;
    const server = net.createServer((client) => this.accept(client));
    server.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.listenPort = (server.address() as net.AddressInfo).port;
    return this.listenPort;
  }

  /** Destroy every open connection (both sides) and refuse new ones until restore(). */
  cut(): void {
    this.down = true;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  restore(): void {
    this.down = false;
  }

  get isCut(): boolean {
    return this.down;
  }

  /** Stop listening and destroy every connection. */
  async close(): Promise<void> {
    this.cut();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    if (this.down) {
      // Refuse: a RST makes clients see ECONNRESET immediately, like a dead server.
      client.resetAndDestroy();
      return;
    }
    this.connectionsForwarded++;
    const upstream = net.connect({ host: this.targetHost, port: this.targetPort });
    this.track(client);
    this.track(upstream);
    const closeBoth = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', closeBoth);
    upstream.on('error', closeBoth);
    client.on('close', closeBoth);
    upstream.on('close', closeBoth);
    client.pipe(upstream);
    upstream.pipe(client);
  }

  private track(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }
}
