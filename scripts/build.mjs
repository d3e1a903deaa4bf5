// esbuild: the server and migrate entry points, the single-Lambda router,
// one bundle per operation (each deployable as its own Lambda), and the web page.
import { build } from 'esbuild';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { common } from './esbuild-options.mjs';
import { buildWeb } from './web-build.mjs';

const handlerEntries = async (dir) => {
  const out = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await handlerEntries(path)));
    else if (entry.name.endsWith('.ts') && !['index.ts', 'routes.ts', 'lambda.ts'].includes(entry.name)) out.push(path);
  }
  return out;
};


await rm('dist', { recursive: true, force: true });
await build({ ...common, entryPoints: { server: 'bin/server.ts', migrate: 'bin/migrate.ts', 'evidence-reconcile': 'bin/evidence-reconcile.ts' }, outdir: 'dist', outExtension: { '.js': '.mjs' } });
await build({
  ...common,
  entryPoints: ['handlers/lambda.ts', ...(await handlerEntries('handlers'))],
  outbase: 'handlers',
  outdir: 'dist/lambda',
  outExtension: { '.js': '.mjs' },
});
// The page: bundled with hashed asset names (scripts/web-build.mjs).
await buildWeb({ srcDir: 'web', outDir: 'dist/web' });
