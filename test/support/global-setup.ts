// Builds the bundles once for the suites that run them (dist/), and says
// loudly, once, which database engines this run covers.
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
  if (process.env.TEST_DATABASE_URL) {
    process.stdout.write(`\n[engines] PGlite and PostgreSQL (TEST_DATABASE_URL is set)\n`);
  } else {
    process.stdout.write(
      '\n' +
        '!!! TEST_DATABASE_URL is not set: the PostgreSQL variants of the API suites are SKIPPED.\n' +
        '!!! Only embedded PGlite is exercised. CI sets it (see .ci/run); locally:\n' +
        '!!!   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm test\n\n',
    );
  }
}
