// Says loudly, once, which database engines this run covers.
export default function setup(): void {
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
