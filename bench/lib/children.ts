import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { ROOT } from './build';

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One process the bench started: its output goes to a log file, never through the bench. */
export class Child {
  readonly exited: Promise<ExitStatus>;
  private exitStatus: ExitStatus | undefined;

  constructor(
    readonly name: string,
    readonly proc: ChildProcess,
    readonly port: number,
    readonly logFile: string,
  ) {
    this.exited = new Promise((resolve) => {
      proc.once('exit', (code, signal) => {
        this.exitStatus = { code, signal };
        resolve(this.exitStatus);
      });
    });
  }

  get pid(): number {
    return this.proc.pid!;
  }

  get running(): boolean {
    return this.exitStatus === undefined;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  logTail(lines = 15): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** SIGTERM (graceful shutdown), then SIGKILL after `timeoutMs`. */
  async stop(timeoutMs = 15_000): Promise<ExitStatus> {
    if (!this.running) return this.exitStatus!;
    this.proc.kill('SIGTERM');
    const timer = sleep(timeoutMs).then(() => undefined);
    const status = await Promise.race([this.exited, timer]);
    if (status) return status;
    this.proc.kill('SIGKILL');
    return this.exited;
  }
}

/** The processes of one run; stopAll() ends every one still running (also on error or SIGINT). */
export class ProcessGroup {
  private readonly children: Child[] = [];

  constructor(private readonly logDir: string) {}

  /** Runs `node <script>` with exactly `env` (plus PATH and HOME). */
  start(name: string, script: string, env: Record<string, string>, port: number, ipc = false): Child {
    // BENCH_CPU_PROF_DIR: every node child writes a V8 CPU profile there when it exits (SIGTERM).
    const profDir = process.env.BENCH_CPU_PROF_DIR;
    const profile = profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`, `--cpu-prof-name=${name}.cpuprofile`] : [];
    return this.spawn(name, process.execPath, [...profile, script], env, port, ipc);
  }

  spawn(
    name: string,
    command: string,
    args: string[],
    env: Record<string, string>,
    port: number,
    ipc = false,
  ): Child {
    const logFile = join(this.logDir, `${name}.log`);
    const fd = openSync(logFile, 'a');
    try {
      const proc = spawn(command, args, {
        cwd: ROOT,
        // Only what the child needs: nothing from the caller's shell (NODE_ENV, QUEUE_PREFIX...) leaks in.
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env },
        stdio: ipc ? ['ignore', fd, fd, 'ipc'] : ['ignore', fd, fd],
      });
      const child = new Child(name, proc, port, logFile);
      this.children.push(child);
      return child;
    } finally {
      closeSync(fd);
    }
  }

  get running(): Child[] {
    return this.children.filter((c) => c.running);
  }

  /** Stops every running child (`which` narrows it), all at once. */
  async stopAll(which: (child: Child) => boolean = () => true): Promise<void> {
    await Promise.all(this.running.filter(which).map((c) => c.stop()));
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Waits until the child accepts TCP connections on its port. */
export async function waitListening(child: Child, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!child.running) throw new Error(`${child.name} exited during start-up:\n${child.logTail()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(child.port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await sleep(100);
  }
  throw new Error(`${child.name} not listening after ${timeoutMs / 1000} s:\n${child.logTail()}`);
}

/** Polls `path` until it answers 200; fails early (with the log's tail) if the child exits. */
export async function waitHealthy(child: Child, path = '/health/ready', timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!child.running) throw new Error(`${child.name} exited during start-up:\n${child.logTail()}`);
    try {
      const res = await request(`${child.baseUrl}${path}`, { headersTimeout: 2_000, bodyTimeout: 2_000 });
      await res.body.dump();
      if (res.statusCode === 200) return;
    } catch {
      // Not listening yet.
    }
    await sleep(200);
  }
  throw new Error(`${child.name} not ready after ${timeoutMs / 1000} s:\n${child.logTail()}`);
}
