import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as ts from 'typescript';

export const ROOT = join(__dirname, '..', '..');
export const APP_ENTRY = join(ROOT, 'dist', 'src', 'main.js');
/** Where the bench's child-process entries are transpiled, beside the compiled app they import. */
const CHILD_OUT = join(ROOT, 'dist', 'bench', 'processes');
const CHILD_SRC = join(ROOT, 'bench', 'processes');

// What `npm run build` compiles from: newer than dist/src/main.js means dist is stale.
const BUILD_INPUTS = [
  'src',
  'migrations',
  'tsconfig.json',
  'tsconfig.build.json',
  'nest-cli.json',
  'package-lock.json',
];

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

export function distIsStale(): boolean {
  if (!existsSync(APP_ENTRY)) return true;
  const built = statSync(APP_ENTRY).mtimeMs;
  return BUILD_INPUTS.some((input) => newestMtime(join(ROOT, input)) > built);
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      code === 0
        ? resolve()
        : reject(new Error(`${command} ${args.join(' ')} failed (${signal ?? `exit ${code}`})`)),
    );
  });
}

/** `npm run build` when dist/ is missing or older than its sources; returns whether it built. */
export async function ensureBuilt(log: (line: string) => void): Promise<boolean> {
  if (!distIsStale()) return false;
  log('dist/ is missing or stale: npm run build');
  await run(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build']);
  if (!existsSync(APP_ENTRY)) throw new Error(`npm run build did not produce ${relative(ROOT, APP_ENTRY)}`);
  return true;
}

/**
 * The child processes (baseline server, fake Graph API) run as plain JavaScript, not under ts-node,
 * so their memory and CPU are not inflated by the TypeScript compiler. They are transpiled next to
 * the compiled app (dist/bench/processes), where their `../../src/...` imports find dist/src.
 */
export function transpileChildren(): string {
  mkdirSync(CHILD_OUT, { recursive: true });
  for (const file of readdirSync(CHILD_SRC).filter((f) => f.endsWith('.ts'))) {
    const source = readFileSync(join(CHILD_SRC, file), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      fileName: file,
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
        experimentalDecorators: true,
      },
    });
    writeFileSync(join(CHILD_OUT, file.replace(/\.ts$/, '.js')), outputText);
  }
  return CHILD_OUT;
}
