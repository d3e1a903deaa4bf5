#!/usr/bin/env node
// What PGlite does at its memory cap: the wasm memory grows on demand up to
// 2 GiB (WebAssembly.Memory maximum 32768 pages, emscripten getHeapMax), and a
// statement that needs more gets Postgres's ordinary `ERROR: out of memory`;
// the instance stays usable, and the memory stays at its high-water mark.
//
//   node bench/memory/pglite-cap.mjs      (needs ~2.7 GB of free RAM, ~20–30 s)
import { PGlite } from '@electric-sql/pglite';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
const dir = mkdtempSync(join(tmpdir(), 'pglite-cap-'));
const db = await PGlite.create(dir, { startParams: [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'] });
const heap = () => Math.round(db.Module.wasmMemory.buffer.byteLength / 2 ** 20);
const rss = () => Math.round(process.memoryUsage().rss / 2 ** 20);
console.log('open heap', heap(), 'rss', rss());
for (const [label, sql] of [
  [
    'hash agg 4M groups, work_mem 64MB (spills)',
    `SET work_mem='64MB'; SELECT count(*) FROM (SELECT DISTINCT i, md5(i::text) FROM generate_series(1,4000000) i) s`,
  ],
  [
    'hash agg 16M groups in memory, work_mem 1500MB',
    `SET work_mem='1500MB'; SELECT count(*) FROM (SELECT DISTINCT i, repeat(md5(i::text), 4) FROM generate_series(1,16000000) i) s`,
  ],
  ['after: simple query', `RESET work_mem; SELECT 1 AS one`],
  [
    'sort 1 GB text in memory',
    `SET work_mem='1900MB'; SELECT count(*) FROM (SELECT repeat(md5(i::text), 8) t FROM generate_series(1,4000000) i ORDER BY 1) s`,
  ],
  ['after: simple query', `RESET work_mem; SELECT 2 AS two`],
]) {
  const t = performance.now();
  try {
    const r = await db.exec(sql);
    console.log(
      label,
      '→ ok',
      JSON.stringify(r.at(-1).rows),
      'heap',
      heap(),
      'rss',
      rss(),
      ((performance.now() - t) / 1000).toFixed(1) + 's',
    );
  } catch (e) {
    console.log(
      label,
      '→ ERROR',
      e.message.split('\n')[0],
      'heap',
      heap(),
      'rss',
      rss(),
      ((performance.now() - t) / 1000).toFixed(1) + 's',
    );
  }
}
await db.close();
rmSync(dir, { recursive: true, force: true });
