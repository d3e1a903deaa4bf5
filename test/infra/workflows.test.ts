// The GitHub Actions workflows (issue 5, "GitHub Actions"), checked statically:
// nothing here runs GitHub or AWS. What is proven: the files parse as YAML,
// deploys assume a role over OIDC and hold no AWS keys, every image tag and
// `docker_image` value is the commit's `sha-…` tag (never `latest`), the image
// is built once, deploys never overlap, prod waits for dev and its approval
// environment, and teardown is manual with a typed confirmation — whose shell
// step is executed here with right and wrong inputs.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';

type Step = {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
  if?: string;
  'working-directory'?: string;
};
type Job = {
  name?: string;
  if?: string;
  needs?: string | string[];
  environment?: string | { name: string; url?: string };
  permissions?: Record<string, string>;
  concurrency?: { group: string; 'cancel-in-progress'?: boolean | string };
  services?: Record<string, { image: string; env?: Record<string, string> }>;
  env?: Record<string, string>;
  'runs-on'?: string;
  container?: unknown;
  steps: Step[];
};
type Workflow = {
  name: string;
  on: Record<string, any>;
  permissions?: Record<string, string>;
  concurrency?: { group: string; 'cancel-in-progress'?: boolean | string };
  env?: Record<string, string>;
  jobs: Record<string, Job>;
};

const FILES = ['ci', 'deploy', 'teardown'] as const;
const TEXT = Object.fromEntries(FILES.map((name) => [name, readFileSync(`.github/workflows/${name}.yml`, 'utf8')])) as Record<
  (typeof FILES)[number],
  string
>;

function load(name: (typeof FILES)[number]): Workflow {
  // YAML 1.2 (so `on:` stays a key, not `true`), duplicate keys rejected.
  const doc = parseDocument(TEXT[name], { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length || doc.warnings.length)
    throw new Error(`${name}.yml: ${[...doc.errors, ...doc.warnings].map((e) => e.message).join('\n')}`);
  return doc.toJS() as Workflow;
}

const WORKFLOWS = Object.fromEntries(FILES.map((name) => [name, load(name)])) as Record<(typeof FILES)[number], Workflow>;
const { ci, deploy, teardown } = WORKFLOWS;

const steps = (workflow: Workflow) => Object.entries(workflow.jobs).flatMap(([job, spec]) => spec.steps.map((step) => ({ job, step })));
const needsOf = (job: Job) => (job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs]);
const environmentOf = (job: Job) => (typeof job.environment === 'object' ? job.environment.name : job.environment);
/** Folded (`>-`) and literal (`|`) scripts, joined across backslash continuations. */
const script = (step: Step) => (step.run ?? '').replace(/\\\n\s*/g, ' ');
const SHA_TAG = ':sha-${{ github.sha }}';
/** One shell word of an image reference; a `${{ … }}` expression counts as part of the word. */
const REF = String.raw`((?:\$\{\{[^}]*\}\}|[^"\s])+)`;

describe('every workflow', () => {
  it.each(FILES)('%s.yml parses as YAML into jobs of steps, each step one action or one script', (name) => {
    const workflow = WORKFLOWS[name];
    expect(workflow.name).toBe(name);
    expect(Object.keys(workflow.on).length).toBeGreaterThan(0);
    expect(Object.keys(workflow.jobs).length).toBeGreaterThan(0);
    for (const [id, job] of Object.entries(workflow.jobs)) {
      expect(job['runs-on'], `${name}.${id} runs-on`).toBeTruthy();
      expect(job.steps.length, `${name}.${id} steps`).toBeGreaterThan(0);
      for (const step of job.steps)
        expect(Number(step.uses !== undefined) + Number(step.run !== undefined), `${name}.${id}: ${JSON.stringify(step)}`).toBe(1);
    }
  });

  it('references actions by a version tag or a full commit SHA, never a branch', () => {
    for (const name of FILES) {
      for (const { job, step } of steps(WORKFLOWS[name])) {
        if (!step.uses) continue;
        expect(step.uses, `${name}.${job}`).toMatch(/^[\w.-]+\/[\w./-]+@([0-9a-f]{40}|v?\d+(\.\d+){0,2})$/);
      }
    }
  });

  it('holds no AWS access keys, and assumes AWS roles only over OIDC', () => {
    for (const name of FILES) {
      expect(TEXT[name]).not.toMatch(
        /aws-access-key-id|aws-secret-access-key|aws-session-token|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN/i,
      );
      for (const [id, job] of Object.entries(WORKFLOWS[name].jobs)) {
        for (const step of job.steps.filter((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@'))) {
          expect(step.with?.['role-to-assume'], `${name}.${id}`).toMatch(/^\$\{\{ vars\.\w+ \}\}$/);
          expect({ ...WORKFLOWS[name].permissions, ...job.permissions }['id-token'], `${name}.${id} id-token`).toBe('write');
        }
      }
    }
  });

  it('never uses a `latest` image', () => {
    for (const name of FILES) expect(TEXT[name], name).not.toMatch(/:latest\b|tag[^\n]*\blatest\b/i);
  });

  it('pass only build arguments the Dockerfile declares', () => {
    const declared = [...readFileSync('Dockerfile', 'utf8').matchAll(/^ARG (\w+)/gm)].map((m) => m[1]);
    for (const name of FILES) {
      for (const [, arg] of TEXT[name].matchAll(/--build-arg (\w+)=/g)) expect(declared, `${name}: --build-arg ${arg}`).toContain(arg);
    }
  });
});

describe('deploy.yml', () => {
  it('runs on main and by hand, with OIDC permissions only', () => {
    expect(Object.keys(deploy.on).sort()).toEqual(['push', 'workflow_dispatch']);
    expect(deploy.on.push).toEqual({ branches: ['main'] });
    expect(deploy.permissions).toEqual({ 'id-token': 'write', contents: 'read' });
    for (const job of Object.values(deploy.jobs)) expect(job.permissions).toBeUndefined();
  });

  it('never runs two deploys at once and never cancels one half-way', () => {
    expect(deploy.concurrency).toEqual({ group: 'deploy-${{ github.ref }}', 'cancel-in-progress': false });
    // And per environment, shared with teardown.yml.
    expect(deploy.jobs.dev!.concurrency).toEqual({ group: 'terraform-dev', 'cancel-in-progress': false });
    expect(deploy.jobs.prod!.concurrency).toEqual({ group: 'terraform-prod', 'cancel-in-progress': false });
  });

  it('tags every image and every docker_image with the commit SHA', () => {
    const tags: string[] = [];
    const images: string[] = [];
    for (const { job, step } of steps(deploy)) {
      const text = script(step);
      for (const [, ref] of text.matchAll(new RegExp(String.raw`(?:--tag|\s-t)\s+"?` + REF, 'g'))) tags.push(`${job}: ${ref}`);
      for (const [, ref] of text.matchAll(new RegExp(String.raw`\bdocker (?:push|tag)\s+"?` + REF, 'g'))) tags.push(`${job}: ${ref}`);
      for (const [, ref] of text.matchAll(new RegExp('docker_image=' + REF, 'g'))) images.push(`${job}: ${ref}`);
      for (const value of [step.with?.tags, step.with?.['image-ref']])
        if (typeof value === 'string')
          tags.push(
            ...value
              .split(/[\s,]+/)
              .filter(Boolean)
              .map((ref) => `${job}: ${ref}`),
          );
    }
    expect(tags.length, 'the image job tags the image it pushes').toBeGreaterThan(0);
    expect(images.map((image) => image.split(':')[0]).sort()).toEqual(['dev', 'prod']);
    for (const ref of [...tags, ...images]) expect(ref.endsWith(SHA_TAG), ref).toBe(true);
    // The same repository in both environments: the image dev ran is the one prod gets.
    expect(new Set(images.map((image) => image.slice(image.indexOf(' ') + 1))).size).toBe(1);
  });

  it('builds the image once, in a job both deploys depend on, and pushes it', () => {
    const builds = steps(deploy).filter(
      ({ step }) => /\bdocker (buildx )?build\b/.test(script(step)) || step.uses?.startsWith('docker/build-push-action@'),
    );
    expect(builds.map(({ job }) => job)).toEqual(['image']);
    expect(script(builds[0]!.step)).toMatch(/--push\b/);
    expect(needsOf(deploy.jobs.dev!)).toContain('image');
    // A manual run from another branch deploys nothing.
    expect(deploy.jobs.image!.if).toBe("github.ref == 'refs/heads/main'");
  });

  it('applies dev with the dev backend and variables, then prod with its own, behind the prod environment', () => {
    for (const env of ['dev', 'prod'] as const) {
      const job = deploy.jobs[env]!;
      const runs = job.steps.map(script);
      const init = runs.findIndex((run) => /\bterraform init\b/.test(run));
      const apply = runs.findIndex((run) => /\bterraform apply\b/.test(run));
      expect(runs[init], `${env} init`).toContain(`-backend-config=envs/${env}.backend.hcl`);
      expect(runs[apply], `${env} apply`).toContain(`-var-file=envs/${env}.tfvars`);
      expect(runs[apply]).toContain('-auto-approve');
      expect(init).toBeLessThan(apply);
      expect(runs.join('\n'), `${env} names only its own files`).not.toMatch(new RegExp(`envs/${env === 'dev' ? 'prod' : 'dev'}\\.`));
      expect(environmentOf(job)).toBe(env);
      // The smoke check after the apply: /health through the ALB's DNS name from terraform output.
      const smoke = runs.findIndex(
        (run) => /terraform output -raw alb_dns_name/.test(run) && /\bcurl\b[^\n]*--fail|\bcurl -f/.test(run) && /\/health/.test(run),
      );
      expect(smoke, `${env} smoke check`).toBeGreaterThan(apply);
    }
    expect(needsOf(deploy.jobs.prod!)).toContain('dev');
  });
});

describe('teardown.yml', () => {
  const job = Object.values(teardown.jobs)[0]!;

  it('runs only by hand, with an environment choice and a typed confirmation', () => {
    expect(Object.keys(teardown.on)).toEqual(['workflow_dispatch']);
    const inputs = teardown.on.workflow_dispatch.inputs;
    expect(inputs.environment).toMatchObject({ type: 'choice', options: ['dev', 'prod'], required: true });
    expect(inputs.confirm).toMatchObject({ type: 'string', required: true });
    expect(Object.keys(teardown.jobs)).toHaveLength(1);
    expect(job.concurrency).toEqual({ group: 'terraform-${{ inputs.environment }}', 'cancel-in-progress': false });
    expect(environmentOf(job)).toBe('${{ inputs.environment }}');
  });

  it('checks the confirmation first, then destroys the chosen environment only', () => {
    const runs = job.steps.map(script);
    expect(job.steps[0]!.run, 'the first step is the confirmation').toMatch(/CONFIRM/);
    const destroy = runs.findIndex((run) => /\bterraform destroy\b/.test(run));
    expect(destroy).toBeGreaterThan(0);
    expect(runs[destroy]).toMatch(/-var-file="?envs\/\$TARGET\.tfvars/);
    expect(runs.find((run) => /\bterraform init\b/.test(run))).toMatch(/-backend-config="?envs\/\$TARGET\.backend\.hcl/);
  });

  // The confirmation step's script, run as GitHub runs it (bash -e -o pipefail) with its env evaluated for the inputs.
  const confirm = (inputs: { environment: string; confirm: string }) => {
    const step = job.steps[0]!;
    const env = Object.fromEntries(
      Object.entries(step.env ?? {}).map(([key, value]) => [
        key,
        String(value).replace(/\$\{\{\s*inputs\.(\w+)\s*\}\}/g, (_, name: keyof typeof inputs) => inputs[name]),
      ]),
    );
    expect(Object.values(env).join(' '), 'inputs reach the script through env, never spliced into it').not.toContain('${{');
    expect(step.run).not.toContain('${{');
    return spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run!], {
      env: { PATH: process.env.PATH ?? '', ...env },
      encoding: 'utf8',
    });
  };

  it.each([
    ['dev', 'destroy dev', 0],
    ['prod', 'destroy prod', 0],
    ['dev', 'destroy prod', 1],
    ['prod', 'destroy dev', 1],
    ['prod', 'destroy  prod', 1],
    ['prod', 'Destroy prod', 1],
    ['prod', 'destroy prod ', 1],
    ['dev', 'yes', 1],
    ['dev', '', 1],
    ['dev', '"; exit 0; "', 1],
  ])('environment %s, typed %j: exit %i', (environment, typed, code) => {
    expect(confirm({ environment, confirm: typed }).status).toBe(code);
  });
});

describe('ci.yml', () => {
  it('runs on pull requests and on main', () => {
    expect(Object.keys(ci.on).sort()).toEqual(['pull_request', 'push']);
    expect(ci.on.push).toEqual({ branches: ['main'] });
    expect(ci.permissions).toEqual({ contents: 'read' });
  });

  it('installs, typechecks, builds, weighs the page and tests against a PostgreSQL 16 service', () => {
    const test = Object.values(ci.jobs).find((job) => job.services?.postgres)!;
    expect(test.services!.postgres!.image).toBe('postgres:16');
    expect(test.env?.TEST_DATABASE_URL).toMatch(/^postgres:\/\/.+@postgres:5432\/\w+$/);
    const runs = test.steps.map(script);
    const order = ['npm ci', 'npm run typecheck', 'npm run build', 'npm run web:weight', 'npm test'].map((command) =>
      runs.findIndex((run) => run.includes(command)),
    );
    expect(
      order.every((at) => at >= 0),
      JSON.stringify(order),
    ).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('scans secrets (TruffleHog), IaC (Checkov, terraform fmt/validate) and the image (Trivy, HIGH/CRITICAL fail)', () => {
    const all = steps(ci);
    expect(all.some(({ step }) => step.uses?.startsWith('trufflesecurity/trufflehog@'))).toBe(true);
    expect(all.some(({ step }) => step.uses?.startsWith('bridgecrewio/checkov-action@') && step.with?.soft_fail === false)).toBe(true);
    const runs = all.map(({ step }) => script(step)).join('\n');
    expect(runs).toMatch(/terraform -chdir=terraform fmt -check -recursive/);
    for (const dir of ['terraform', 'terraform/bootstrap']) {
      expect(runs).toContain(`terraform -chdir=${dir} init -backend=false`);
      expect(runs).toContain(`terraform -chdir=${dir} validate`);
    }
    expect(runs).toMatch(/docker buildx build --platform linux\/amd64/);
    expect(runs, 'arm64 is built too').toMatch(/docker buildx build --platform linux\/arm64/);
    const trivy = all.find(({ step }) => step.uses?.startsWith('aquasecurity/trivy-action@'))!.step;
    expect(trivy.with).toMatchObject({ severity: 'HIGH,CRITICAL', 'exit-code': '1', 'image-ref': `action-tracker${SHA_TAG}` });
  });
});
