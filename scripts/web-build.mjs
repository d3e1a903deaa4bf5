// The web page's build: web/src/main.ts bundled for the browser and
// web/styles.css minified, both under content-hashed names
// (`app.<10 hex>.js`, `styles.<10 hex>.css`, cached immutable for a year by
// lib/http/static-files.ts), and index.html rewritten to point at them
// (served no-cache). Other static files under web/ are copied as they are.
//
// Until web/src/main.ts exists the directory is copied as it is (the
// placeholder page). Silent on success; throws with a reason otherwise.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { cp, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Source entries that are built, not copied. */
const BUILT = new Set(['src', 'index.html', 'styles.css', 'tsconfig.json']);

/** Assets a stylesheet may point at with url(): left as they are and copied. */
const CSS_EXTERNAL = ['*.png', '*.svg', '*.ico', '*.jpg', '*.jpeg', '*.gif', '*.webp', '*.woff', '*.woff2'];

const hashOf = (content) => createHash('sha256').update(content).digest('hex').slice(0, 10);

const exists = (path) =>
  stat(path).then(
    () => true,
    () => false,
  );

/**
 * Replaces the one reference to `plain` in an src/href attribute, or throws. A
 * leading `/` or `./` is kept: the page is served at /actions/7 too, where only
 * an absolute `/app.js` still names the file.
 */
function rewriteReference(html, attribute, plain, hashed, htmlPath) {
  const escaped = plain.replace(/\./g, '\\.');
  const pattern = new RegExp(`((?<=\\s)${attribute}\\s*=\\s*)(["']?)(\\./|/)?${escaped}\\2(?=[\\s>/])`, 'gi');
  const found = html.match(pattern)?.length ?? 0;
  if (found !== 1)
    throw new Error(`web build: ${htmlPath} must reference ${plain} once in a ${attribute}="${plain}" attribute (found ${found})`);
  return html.replace(pattern, (_whole, prefix, quote, dir) => `${prefix}${quote || '"'}${dir ?? ''}${hashed}${quote || '"'}`);
}

/**
 * Builds the page from `srcDir` (default `web`) into `outDir` (default
 * `dist/web`), which is emptied first. Returns what was written.
 * @param {{ srcDir?: string, outDir?: string }} [options]
 * @returns {Promise<{ mode: 'bundled' | 'copied', files: string[], app?: string, styles?: string }>}
 */
export async function buildWeb({ srcDir = 'web', outDir = join('dist', 'web') } = {}) {
  await rm(outDir, { recursive: true, force: true });
  const entry = join(srcDir, 'src', 'main.ts');
  if (!(await exists(entry))) {
    // The placeholder page of the API-only phase: served as it is.
    await cp(srcDir, outDir, { recursive: true });
    return { mode: 'copied', files: await listFiles(outDir) };
  }

  const htmlPath = join(srcDir, 'index.html');
  const cssPath = join(srcDir, 'styles.css');
  for (const path of [htmlPath, cssPath]) {
    if (!(await exists(path))) throw new Error(`web build: ${path} is missing`);
  }
  await mkdir(outDir, { recursive: true });

  const js = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: true,
    sourcemap: 'external',
    legalComments: 'none',
    charset: 'utf8',
    logLevel: 'silent',
    write: false,
    outfile: join(outDir, 'app.js'),
  });
  const code = js.outputFiles.find((file) => file.path.endsWith('.js'));
  const map = js.outputFiles.find((file) => file.path.endsWith('.js.map'));
  if (!code || !map) throw new Error('web build: esbuild returned no script or no source map');
  const app = `app.${hashOf(code.contents)}.js`;
  await writeFile(join(outDir, app), `${code.text}//# sourceMappingURL=${app}.map\n`);
  const mapJson = JSON.parse(map.text);
  mapJson.file = app;
  await writeFile(join(outDir, `${app}.map`), JSON.stringify(mapJson));

  const css = await build({
    entryPoints: [cssPath],
    bundle: true,
    minify: true,
    legalComments: 'none',
    charset: 'utf8',
    logLevel: 'silent',
    external: CSS_EXTERNAL,
    write: false,
    outfile: join(outDir, 'styles.css'),
  });
  const sheet = css.outputFiles.find((file) => file.path.endsWith('.css'));
  if (!sheet) throw new Error('web build: esbuild returned no stylesheet');
  const styles = `styles.${hashOf(sheet.contents)}.css`;
  await writeFile(join(outDir, styles), sheet.contents);

  let html = await readFile(htmlPath, 'utf8');
  html = rewriteReference(html, 'src', 'app.js', app, htmlPath);
  html = rewriteReference(html, 'href', 'styles.css', styles, htmlPath);
  await writeFile(join(outDir, 'index.html'), html);

  // Everything else under web/ (icons, fonts, ...) is served as it is.
  for (const entry of await readdir(srcDir, { withFileTypes: true })) {
    if (BUILT.has(entry.name) || entry.name.startsWith('.')) continue;
    await cp(join(srcDir, entry.name), join(outDir, entry.name), { recursive: true });
  }
  return { mode: 'bundled', files: await listFiles(outDir), app, styles };
}

/** Files under dir, relative, sorted. */
async function listFiles(dir, prefix = '') {
  const out = [];
  for (const entry of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listFiles(dir, path)));
    else out.push(path);
  }
  return out.sort();
}
