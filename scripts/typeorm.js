#!/usr/bin/env node
// Runs the TypeORM CLI against the project's one DataSource: the TypeScript source in development
// (ts-node present), the compiled one in the production image (dev dependencies pruned).
const { spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
let useTs = existsSync(join(root, 'src/database/data-source.ts'));
try {
  require.resolve('ts-node');
} catch {
  useTs = false;
}
const dataSource = useTs ? 'src/database/data-source.ts' : 'dist/src/database/data-source.js';
if (!existsSync(join(root, dataSource))) {
  console.error(`${dataSource} not found: run \`npm run build\` first.`);
  process.exit(1);
}
const [command, ...rest] = process.argv.slice(2);
const nodeArgs = useTs ? ['-r', 'ts-node/register/transpile-only'] : [];
const args = [...nodeArgs, require.resolve('typeorm/cli.js'), command, ...rest];
if (command !== 'migration:create') args.push('-d', dataSource);
const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
