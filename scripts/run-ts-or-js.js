#!/usr/bin/env node
// Runs one entry point of the app: its TypeScript source in development (ts-node present), the
// compiled file under dist/ in the production image (dev dependencies pruned).
// Usage: node scripts/run-ts-or-js.js src/pages/reencrypt-tokens.cli [args...]
const { spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: run-ts-or-js.js <path without extension> [args...]');
  process.exit(2);
}
let useTs = existsSync(join(root, `${entry}.ts`));
try {
  require.resolve('ts-node');
} catch {
  useTs = false;
}
const file = useTs ? `${entry}.ts` : join('dist', `${entry}.js`);
if (!existsSync(join(root, file))) {
  console.error(`${file} not found: run \`npm run build\` first.`);
  process.exit(2);
}
const nodeArgs = useTs ? ['-r', 'ts-node/register/transpile-only'] : [];
const result = spawnSync(process.execPath, [...nodeArgs, file, ...args], { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
