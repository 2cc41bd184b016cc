import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { type Child, freePort, type ProcessGroup, waitListening } from './children';

function findOnPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return join(dir, command);
    } catch {
      // Not in this directory.
    }
  }
  return undefined;
}

/**
 * A Redis of the run's own (no persistence, loopback, free port), so INFO commandstats counts the
 * platform's commands only, not those of whoever else uses the shared Redis. Undefined when
 * redis-server is not installed.
 */
export async function startPrivateRedis(
  group: ProcessGroup,
): Promise<{ child: Child; url: string } | undefined> {
  const binary = findOnPath('redis-server');
  if (!binary) return undefined;
  const port = await freePort();
  const child = group.spawn(
    'redis',
    binary,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
    {},
    port,
  );
  try {
    await waitListening(child);
  } catch (error) {
    await child.stop();
    throw error;
  }
  return { child, url: `redis://127.0.0.1:${port}` };
}
