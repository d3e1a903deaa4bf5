// Entry of `npm run bench:api` (after `npm run build`). The benchmark is
// TypeScript: this builds it with esbuild, the baseline server bundled with
// the app's own lib/db code so both servers run the same SQL, then runs it.
// The output lives under node_modules/.cache so that the bundles resolve the
// project's packages (kept external) and stay out of git.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { cp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

process.chdir(fileURLToPath(new URL('../..', import.meta.url)));
const outdir = 'node_modules/.cache/iat-bench';

await rm(outdir, { recursive: true, force: true });
await build({
  entryPoints: { main: 'bench/api/main.ts', baseline: 'bench/api/baseline.ts' },
  outdir,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  packages: 'external',
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  logLevel: 'warning',
});

// A snapshot of the app build just made: a rebuild of dist/ during the run
// (it starts with rm -rf dist) must not pull the server out from under it.
if (!existsSync('dist/server.mjs')) {
  process.stderr.write('bench:api: dist/server.mjs is missing; run it as npm run bench:api (which builds first)\n');
  process.exit(1);
}
for (const file of ['server.mjs', 'server.mjs.map', 'migrate.mjs', 'migrate.mjs.map', 'web']) {
  await cp(join('dist', file), join(outdir, 'app', file), { recursive: true });
}

const { main } = await import(pathToFileURL(join(outdir, 'main.mjs')).href);
try {
  process.exitCode = await main(process.argv.slice(2), {
    app: join(outdir, 'app/server.mjs'),
    migrate: join(outdir, 'app/migrate.mjs'),
    baseline: join(outdir, 'baseline.mjs'),
  });
} catch (error) {
  const expected = error instanceof Error && error.name === 'BenchError';
  process.stderr.write(`bench:api failed: ${expected ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
}
// Sockets of finished runs may linger a moment; the benchmark is over.
process.exit();
