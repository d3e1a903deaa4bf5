// The page's weight: index.html plus the scripts and stylesheets it loads,
// gzipped (zlib's default level, as a server would send them), against the
// 60 KB budget of issue 4. Exit 1 above it.
//
//   npm run web:weight            builds web/ into a temporary directory
//   npm run web:weight -- DIR     measures an existing build (e.g. dist/web)
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildWeb } from './web-build.mjs';

const BUDGET = 60 * 1024;

/** index.html and the local scripts/stylesheets it references, in order. */
async function pageFiles(dir) {
  const html = await readFile(join(dir, 'index.html'), 'utf8');
  const refs = [...html.matchAll(/<(?:script|link)\b[^>]*?\s(?:src|href)\s*=\s*["']?([^"'\s>]+\.(?:m?js|css))["']?/gi)]
    .map((match) => match[1].replace(/^\.?\//, ''))
    .filter((ref) => !/^[a-z]+:|^\/\//i.test(ref));
  return ['index.html', ...new Set(refs)];
}

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;

const given = process.argv[2];
const dir = given ?? (await mkdtemp(join(tmpdir(), 'iat-web-weight-')));
try {
  if (!given) await buildWeb({ srcDir: 'web', outDir: dir });
  const rows = [];
  for (const name of await pageFiles(dir)) {
    const raw = await readFile(join(dir, name)).catch((error) => {
      if (error.code !== 'ENOENT') throw error;
      console.error(`web:weight: ${name === 'index.html' ? 'no index.html' : `index.html loads ${name}, which is not`} in ${dir}`);
      process.exit(1);
    });
    rows.push({ name, raw: raw.length, gzip: gzipSync(raw).length });
  }
  const total = rows.reduce((sum, row) => sum + row.gzip, 0);
  const width = Math.max(...rows.map((row) => row.name.length), 5);
  for (const row of rows) console.log(`${row.name.padEnd(width)}  ${kb(row.raw).padStart(9)} raw  ${kb(row.gzip).padStart(9)} gzip`);
  console.log(`${'total'.padEnd(width)}  ${' '.repeat(13)}  ${kb(total).padStart(9)} gzip (budget ${kb(BUDGET)})`);
  if (total > BUDGET) {
    console.error(`web:weight: the page is ${kb(total)} gzipped, above the ${kb(BUDGET)} budget`);
    process.exitCode = 1;
  }
} finally {
  if (!given) await rm(dir, { recursive: true, force: true });
}
