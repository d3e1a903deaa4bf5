// Builds the bundles once for the suites that run them (dist/), and says
// loudly, once, which database engines this run covers. Without
// TEST_DATABASE_URL the PostgreSQL this machine kind runs on its default port
// is used when it answers, so that `npm test` alone covers both engines here.
// When the run includes a suite that imports the CDK twin (cdk/, its own
// package), it installs the CDK's packages first if cdk/node_modules lacks them.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { ensureCdkDeps } from '../../scripts/cdk-deps.mjs';

const LOCAL_POSTGRES = 'postgres://postgres@127.0.0.1:5432/test';

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A test file that imports cdk/ (and through it aws-cdk-lib, from cdk/node_modules). */
const importsTheCdkApp = (file: string) => /(?:from |import\()'(?:\.\.\/)+cdk\//.test(readFileSync(file, 'utf8'));

/** The test files this run will execute: vitest's file filters (the CLI's arguments) over the project's files. */
async function filesOfThisRun(project: TestProject): Promise<string[]> {
  // The filters `vitest run <filter>…` was given (vitest 4 keeps them on Vitest, unexported);
  // without them, every file: the CDK's packages are then installed whenever a CDK suite exists.
  const filters = (project.vitest as unknown as { filenamePattern?: string[] }).filenamePattern;
  return (await project.globTestFiles(filters)).testFiles;
}

export default async function setup(project: TestProject): Promise<void> {
  // The mutants script (npm run iac:mutants) runs only the IaC suites, which need no bundle.
  if (process.env.SKIP_BUILD !== '1') execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
  if ((await filesOfThisRun(project)).some(importsTheCdkApp)) ensureCdkDeps();
  if (process.env.TEST_DATABASE_URL) {
    process.stdout.write(`\n[engines] PGlite and PostgreSQL (TEST_DATABASE_URL is set)\n`);
  } else if (await answers(LOCAL_POSTGRES)) {
    // The test workers start after this and inherit it.
    process.env.TEST_DATABASE_URL = LOCAL_POSTGRES;
    process.stdout.write(`\n[engines] PGlite and PostgreSQL (TEST_DATABASE_URL unset; ${LOCAL_POSTGRES} answered)\n`);
  } else {
    process.stdout.write(
      '\n' +
        '!!! No PostgreSQL: TEST_DATABASE_URL is not set and nothing answers at 127.0.0.1:5432.\n' +
        '!!! The PostgreSQL variants of the API suites and the PostgreSQL-only suites (test/reliability)\n' +
        '!!! are SKIPPED; only embedded PGlite is exercised. CI sets it (see .ci/run), and there a\n' +
        '!!! missing server fails the run. Locally: TEST_DATABASE_URL=postgres://… npm test\n\n',
    );
  }
}
