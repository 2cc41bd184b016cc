import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Bull from 'bull';
import { Client } from 'pg';
import { QueueName } from '../../src/queue/queue.constants';
import { eventually } from '../support/eventually';
import { databaseUrlFor, redisUrl } from '../support/services';

jest.setTimeout(120_000);

/**
 * The real entry point (src/main.ts) in a child process, so APP_ROLE is set before any module is
 * loaded (processors are chosen while modules are declared) and signals reach a real process.
 */
const root = join(__dirname, '..', '..');
const ADMIN_KEY = 'e2e-process-admin-key-0123456789-abcdefgh';

interface Child {
  process: ChildProcess;
  port: number;
  prefix: string;
  output: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function startChild(env: Record<string, string>): Promise<Child> {
  const port = await freePort();
  const prefix = `${process.env.QUEUE_PREFIX}:process-${randomBytes(3).toString('hex')}`;
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      PORT: String(port),
      QUEUE_PREFIX: prefix,
      ADMIN_API_KEY: ADMIN_KEY,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  try {
    await eventually(
      'the app to become ready',
      async () => {
        if (child.exitCode !== null) throw new Error(`the app exited with ${child.exitCode}`);
        const status = await fetch(`http://127.0.0.1:${port}/health/ready`).then(
          (res) => res.status,
          () => 0,
        );
        return status === 200;
      },
      90_000,
      250,
    );
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`the app did not become ready (${(error as Error).message}):\n${output.join('').slice(-3000)}`);
  }
  return { process: child, port, prefix, output, exited };
}

async function stopChild(child: Child | undefined): Promise<void> {
  if (child && child.process.exitCode === null && child.process.signalCode === null) {
    child.process.kill('SIGKILL');
    await child.exited;
  }
}

/** Names of the queues that have a Bull worker (a process running its processor) under `prefix`. */
async function queuesWithWorkers(prefix: string): Promise<string[]> {
  const names: string[] = [];
  for (const name of Object.values(QueueName)) {
    const queue = new Bull(name, redisUrl(), { prefix });
    try {
      if ((await queue.getWorkers()).length > 0) names.push(name);
    } finally {
      await queue.close();
    }
  }
  return names;
}

/** Resolves once `text` appears in the child's output; fails after 20 s. */
async function outputContains(child: Child, text: string): Promise<true> {
  return eventually(`"${text}" in the output`, () => child.output.join('').includes(text), 20_000, 50);
}

interface TcpSocket {
  localPort: number;
  remotePort: number;
  txQueue: number;
  rxQueue: number;
  inode: number;
}

/** The TCP sockets of this host (IPv4 and IPv6) as Linux lists them in /proc/net/tcp and tcp6. */
function tcpSockets(): TcpSocket[] {
  const port = (address: string) => parseInt(address.split(':')[1], 16);
  return ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((file) =>
    readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .map(([, local, remote, , queues, , , , , inode]) => {
        const [tx, rx] = queues.split(':');
        return {
          localPort: port(local),
          remotePort: port(remote),
          txQueue: parseInt(tx, 16),
          rxQueue: parseInt(rx, 16),
          inode: Number(inode),
        };
      }),
  );
}

/**
 * True once the server process has read everything `client` sent: the kernel delivered it (nothing
 * unacknowledged on the client side), the server accepted the connection (its side belongs to a file:
 * a nonzero inode) and read the bytes (its receive queue is empty). Node parses what it reads in the
 * same callback, so the request's headers are parsed and the request is in flight.
 */
function serverReadAll(client: net.Socket, serverPort: number): boolean {
  const sockets = tcpSockets();
  const clientSide = sockets.find((s) => s.localPort === client.localPort && s.remotePort === serverPort);
  const serverSide = sockets.find((s) => s.localPort === serverPort && s.remotePort === client.localPort);
  return (
    clientSide !== undefined &&
    serverSide !== undefined &&
    clientSide.txQueue === 0 &&
    serverSide.inode !== 0 &&
    serverSide.rxQueue === 0
  );
}

async function connectionRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

describe('web process (e2e)', () => {
  let web: Child | undefined;
  afterAll(() => stopChild(web));

  it('runs no processor, and on SIGTERM finishes an in-flight request, refuses new ones and exits 0', async () => {
    web = await startChild({ APP_ROLE: 'web' });
    expect(await queuesWithWorkers(web.prefix)).toEqual([]);

    // A request whose body is still arriving when the signal comes.
    const body = JSON.stringify({ object: 'page', entry: [] });
    const socket = net.connect(web.port, '127.0.0.1');
    const response = new Promise<string>((resolve, reject) => {
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString()));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    await new Promise<void>((resolve, reject) =>
      socket.write(
        `POST /webhook HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 10)}`,
        (error) => (error ? reject(error) : resolve()),
      ),
    );
    // Signal only once the server has the request in flight (headers parsed, body still arriving).
    // Linux shows that in /proc/net/tcp; elsewhere nothing outside the process marks it, and the
    // smallest wait that lets the bytes arrive stands in for the condition.
    const port = web.port;
    if (existsSync('/proc/net/tcp')) {
      await eventually('the server to read the request headers', () => serverReadAll(socket, port), 5_000);
    } else {
      await new Promise((resolve) => setTimeout(resolve, 300));
    }

    web.process.kill('SIGTERM');
    expect(await outputContains(web, 'SIGTERM received')).toBe(true);
    expect(await eventually('new connections to be refused', () => connectionRefused(port), 5_000, 50)).toBe(
      true,
    );
    expect(web.process.exitCode).toBeNull();

    socket.end(body.slice(10));
    const answer = await response;
    // The webhook answers (a missing signature is refused), instead of the connection being cut.
    expect(answer).toMatch(/^HTTP\/1\.1 4\d\d /);
    expect(answer).not.toMatch(/^HTTP\/1\.1 503 /);
    expect(await web.exited).toEqual({ code: 0, signal: null });
  });
});

describe('worker process (e2e)', () => {
  // Its own database, which the app creates and migrates at boot (the development path): a worker
  // must not pick up rows that suites running at the same time are waiting for.
  const database = `mh_test_worker_${randomBytes(4).toString('hex')}`;
  let worker: Child | undefined;

  afterAll(async () => {
    await stopChild(worker);
    const admin = new Client({ connectionString: databaseUrlFor('postgres') });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await admin.end();
  });

  it('creates and migrates its database, runs the processors, serves only health, exits 0 on SIGTERM', async () => {
    worker = await startChild({
      APP_ROLE: 'worker',
      DATABASE_URL: databaseUrlFor(database),
      DATABASE_AUTO_MIGRATE: 'true',
    });
    expect(await queuesWithWorkers(worker.prefix)).toEqual(expect.arrayContaining([QueueName.Inbound]));

    const live = await fetch(`http://127.0.0.1:${worker.port}/health/live`);
    expect(live.status).toBe(200);
    const admin = await fetch(`http://127.0.0.1:${worker.port}/admin/pages`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(admin.status).toBe(404);

    worker.process.kill('SIGTERM');
    expect(await worker.exited).toEqual({ code: 0, signal: null });
    expect(await queuesWithWorkers(worker.prefix)).toEqual([]);
  });
});
