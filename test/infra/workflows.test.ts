// The GitHub Actions workflows (issues 5 and 14), checked statically: nothing
// here runs GitHub or AWS. What is proven: the files parse as YAML, roles are
// assumed over OIDC only, only by jobs that run in a GitHub environment (each
// CI role trusts exactly one environment, terraform/bootstrap), no AWS keys;
// the deploy runs only after a successful ci run of a push to main, checks out
// that run's head_sha, pushes the very image ci scanned (loaded from ci's
// artifact, image ID compared) and deploys it by digest; dev applies its own
// saved plan, prod applies the saved plan the approver read (kept in the state
// bucket, never an artifact: it holds the OIDC client secret; its sha256 checked
// before the apply), both then verify the rollout; teardown is manual with a typed confirmation and empties dev's
// buckets through a targeted apply. The gate's, the plan store's, the plan
// fetch's and the confirmation's shell steps are executed here with right and
// wrong inputs (fake `gh` and `aws` on PATH).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  outputs?: Record<string, string>;
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
const HEAD_SHA = '${{ needs.gate.outputs.sha }}';
const usesOf = (job: Job, action: string) => job.steps.filter((step) => step.uses?.startsWith(`${action}@`));
const assumesRole = (job: Job) => usesOf(job, 'aws-actions/configure-aws-credentials').length > 0;
/** A job's effective permissions: its own block replaces the workflow's. */
const permissionsOf = (workflow: Workflow, job: Job) => job.permissions ?? workflow.permissions ?? {};

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
        for (const step of usesOf(job, 'aws-actions/configure-aws-credentials')) {
          // The role is the GitHub environment's variable: each environment names its own role.
          expect(step.with?.['role-to-assume'], `${name}.${id}`).toBe('${{ vars.AWS_ROLE_ARN }}');
          expect(permissionsOf(WORKFLOWS[name], job)['id-token'], `${name}.${id} id-token`).toBe('write');
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

  // The CI roles trust only `repo:<repo>:environment:<env>` (terraform/bootstrap): a job
  // without an environment could not assume one anyway, and must not try.
  it('assumes AWS roles only in jobs that run in a GitHub environment, and only those get an OIDC token', () => {
    for (const name of FILES) {
      const workflow = WORKFLOWS[name];
      expect(workflow.permissions?.['id-token'], `${name}: no workflow-wide OIDC token`).toBeUndefined();
      for (const [id, job] of Object.entries(workflow.jobs)) {
        if (assumesRole(job)) expect(environmentOf(job), `${name}.${id} assumes a role`).toBeTruthy();
        if (permissionsOf(workflow, job)['id-token'] === 'write')
          expect(environmentOf(job), `${name}.${id} has id-token: write`).toBeTruthy();
      }
    }
  });

  it('installs Terraform 1.11.4 wherever Terraform runs', () => {
    const setups = FILES.flatMap((name) =>
      steps(WORKFLOWS[name]).filter(({ step }) => step.uses?.startsWith('hashicorp/setup-terraform@')),
    );
    expect(setups.length).toBeGreaterThanOrEqual(6);
    for (const { job, step } of setups) {
      expect(String(step.with?.terraform_version), job).toBe('1.11.4');
      expect(step.with?.terraform_wrapper, job).toBe(false);
    }
    for (const name of FILES)
      for (const [id, job] of Object.entries(WORKFLOWS[name].jobs))
        if (job.steps.some((step) => /\bterraform (init|plan|apply|destroy|validate)\b/.test(script(step))))
          expect(usesOf(job, 'hashicorp/setup-terraform').length, `${name}.${id} sets up terraform`).toBe(1);
  });
});

describe('deploy.yml', () => {
  const jobs = deploy.jobs;
  const runs = (job: Job) => job.steps.map(script);

  it('runs after ci completes on main (or by hand), never on a push of its own', () => {
    expect(Object.keys(deploy.on).sort()).toEqual(['workflow_dispatch', 'workflow_run']);
    expect(deploy.on.workflow_run).toEqual({ workflows: [ci.name], types: ['completed'], branches: ['main'] });
    expect(deploy.permissions).toEqual({ contents: 'read', actions: 'read' });
    expect(Object.keys(jobs)).toEqual(['gate', 'publish', 'dev', 'prod-plan', 'prod']);
  });

  it("gates on the ci run's conclusion: success, for a push to main", () => {
    const gate = jobs.gate!;
    const condition = gate.if!.replace(/\s+/g, ' ');
    for (const clause of [
      "github.event.workflow_run.conclusion == 'success'",
      "github.event.workflow_run.event == 'push'",
      "github.event.workflow_run.head_branch == 'main'",
      "github.event_name == 'workflow_dispatch' && github.ref == 'refs/heads/main'",
    ])
      expect(condition).toContain(clause);
    expect(gate.outputs).toEqual({ sha: '${{ steps.run.outputs.sha }}', run_id: '${{ steps.run.outputs.run_id }}' });
    expect(gate.steps[0]!.env).toMatchObject({
      RUN_SHA: '${{ github.event.workflow_run.head_sha }}',
      RUN_ID: '${{ github.event.workflow_run.id }}',
      RUN_CONCLUSION: '${{ github.event.workflow_run.conclusion }}',
    });
    expect(assumesRole(gate)).toBe(false);
    // Every other job waits for the gate, directly.
    for (const [id, job] of Object.entries(jobs)) if (id !== 'gate') expect(needsOf(job), id).toContain('gate');
  });

  // The gate's script, run as GitHub runs it, with a fake `gh` for the dispatch path.
  const SHA = 'a'.repeat(40);
  const gate = (env: Record<string, string>) => {
    const dir = mkdtempSync(join(tmpdir(), 'gate-'));
    try {
      writeFileSync(join(dir, 'gh'), `#!/bin/sh\necho "$*" > "${dir}/gh.args"\necho "987 ${'b'.repeat(40)}"\n`);
      chmodSync(join(dir, 'gh'), 0o755);
      const output = join(dir, 'output');
      writeFileSync(output, '');
      const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', jobs.gate!.steps[0]!.run!], {
        env: {
          PATH: `${dir}:${process.env.PATH ?? ''}`,
          GITHUB_OUTPUT: output,
          GITHUB_STEP_SUMMARY: join(dir, 'summary'),
          REPO: 'o/r',
          ...env,
        },
        encoding: 'utf8',
      });
      return {
        status: result.status,
        output: readFileSync(output, 'utf8'),
        gh: existsSync(join(dir, 'gh.args')) ? readFileSync(join(dir, 'gh.args'), 'utf8') : '',
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const ok = { EVENT: 'workflow_run', RUN_ID: '123', RUN_SHA: SHA, RUN_CONCLUSION: 'success', RUN_EVENT: 'push', RUN_BRANCH: 'main' };

  it('the gate passes the head_sha and run id of a successful push run of main, and refuses anything else', () => {
    expect(jobs.gate!.steps[0]!.run).not.toContain('${{');
    expect(gate(ok)).toEqual({ status: 0, output: `sha=${SHA}\nrun_id=123\n`, gh: '' });
    for (const wrong of [
      { RUN_CONCLUSION: 'failure' },
      { RUN_CONCLUSION: 'cancelled' },
      { RUN_EVENT: 'pull_request' },
      { RUN_BRANCH: 'feature' },
      { RUN_SHA: 'main' },
      { RUN_ID: '' },
    ])
      expect(gate({ ...ok, ...wrong }), JSON.stringify(wrong)).toMatchObject({ status: 1, output: '' });
    // By hand: the newest successful ci run of a push to main, looked up with gh.
    const dispatched = gate({ EVENT: 'workflow_dispatch' });
    expect(dispatched.status).toBe(0);
    expect(dispatched.output).toBe(`sha=${'b'.repeat(40)}\nrun_id=987\n`);
    expect(dispatched.gh).toMatch(/run list .*--workflow ci\.yml --branch main --event push --status success/);
  });

  it("checks out the ci run's head_sha in every job, never the default branch's HEAD", () => {
    expect(TEXT.deploy, 'github.sha is the default branch under workflow_run').not.toContain('github.sha');
    for (const [id, job] of Object.entries(jobs))
      for (const checkout of usesOf(job, 'actions/checkout')) expect(checkout.with?.ref, id).toBe(HEAD_SHA);
    for (const id of ['dev', 'prod-plan', 'prod']) expect(usesOf(jobs[id]!, 'actions/checkout').length, id).toBe(1);
  });

  it('publishes the image ci scanned: its artifact, loaded and compared by image ID, pushed once, deployed by digest', () => {
    const publish = jobs.publish!;
    expect(environmentOf(publish)).toBe('image');
    const [download] = usesOf(publish, 'actions/download-artifact');
    expect(download!.with).toMatchObject({
      name: `image-${HEAD_SHA}`,
      'run-id': '${{ needs.gate.outputs.run_id }}',
      'github-token': '${{ github.token }}',
    });
    const text = runs(publish);
    const load = text.findIndex((run) => /docker load/.test(run));
    expect(text[load]).toMatch(/scanned=\$\(cat image-artifact\/image-id\.txt\)/);
    expect(text[load]).toMatch(/docker image inspect -f '\{\{\.Id\}\}' "action-tracker:sha-\$SHA"/);
    expect(text[load]).toMatch(/if \[ "\$loaded" != "\$scanned" \]; then[^]*exit 1/);
    const push = publish.steps.findIndex((step) => step.id === 'push');
    expect(push).toBeGreaterThan(load);
    const pushed = script(publish.steps[push]!);
    // Never rebuilt here: the image is the loaded one.
    expect(TEXT.deploy).not.toMatch(/docker (buildx )?build|build-push-action/);
    expect(pushed).toMatch(/docker push "\$remote"/);
    expect(pushed).toContain('remote="$REGISTRY/$ECR_REPOSITORY:sha-$SHA"');
    // Pushed or found, ECR's image must have the scanned config digest.
    expect(pushed).toMatch(/jq -r '\.config\.digest'/);
    expect(pushed).toMatch(/if \[ "\$config" != "\$SCANNED_ID" \]; then[^]*exit 1/);
    expect(pushed).toContain('echo "image=$REGISTRY/$ECR_REPOSITORY@$digest" >> "$GITHUB_OUTPUT"');
    expect(publish.outputs).toEqual({ image: '${{ steps.push.outputs.image }}' });
    for (const id of ['dev', 'prod-plan']) {
      expect(jobs[id]!.env?.DOCKER_IMAGE, id).toBe('${{ needs.publish.outputs.image }}');
      expect(runs(jobs[id]!).join('\n'), id).toContain('-var "docker_image=$DOCKER_IMAGE"');
    }
  });

  it('ci saves exactly the image Trivy scanned, with its image ID, on pushes to main', () => {
    const image = Object.values(ci.jobs).find((job) => usesOf(job, 'aquasecurity/trivy-action').length)!;
    const trivy = image.steps.findIndex((step) => step.uses?.startsWith('aquasecurity/trivy-action@'));
    const save = image.steps.findIndex((step) => /docker save/.test(script(step)));
    const upload = image.steps.findIndex((step) => step.uses?.startsWith('actions/upload-artifact@'));
    expect(trivy).toBeGreaterThan(0);
    expect(save).toBeGreaterThan(trivy);
    expect(upload).toBeGreaterThan(save);
    const saved = script(image.steps[save]!);
    expect(saved).toContain(`image="action-tracker${SHA_TAG}"`);
    expect(image.steps[trivy]!.with?.['image-ref']).toBe(`action-tracker${SHA_TAG}`);
    expect(saved).toMatch(/docker image inspect -f '\{\{\.Id\}\}' "\$image" > image-artifact\/image-id\.txt/);
    expect(saved).toMatch(/docker save "\$image" \| gzip[^>]*> image-artifact\/image\.tar\.gz/);
    for (const at of [save, upload]) expect(image.steps[at]!.if).toBe("github.event_name == 'push' && github.ref == 'refs/heads/main'");
    const uploaded = image.steps[upload]!.with!;
    expect(uploaded.name).toBe('image-${{ github.sha }}');
    expect(uploaded.path).toBe('image-artifact/');
    expect(Number(uploaded['retention-days'])).toBeGreaterThanOrEqual(1);
    expect(Number(uploaded['retention-days'])).toBeLessThanOrEqual(3);
    // The artifact the deploy downloads is this one.
    expect(usesOf(jobs.publish!, 'actions/download-artifact')[0]!.with?.name).toBe(`image-${HEAD_SHA}`);
  });

  it('assumes a different role per environment: image, dev, prod-plan, prod', () => {
    const envs = Object.fromEntries(
      Object.entries(jobs)
        .filter(([, job]) => assumesRole(job))
        .map(([id, job]) => [id, environmentOf(job)]),
    );
    expect(envs).toEqual({ publish: 'image', dev: 'dev', 'prod-plan': 'prod-plan', prod: 'prod' });
    for (const job of Object.values(jobs))
      for (const step of usesOf(job, 'aws-actions/configure-aws-credentials'))
        expect(step.with?.['role-to-assume']).toBe('${{ vars.AWS_ROLE_ARN }}');
  });

  it('dev: init with its backend, plan -out, apply that plan, verify the rollout', () => {
    const dev = jobs.dev!;
    const text = runs(dev);
    const at = (re: RegExp) => text.findIndex((run) => re.test(run));
    const [init, plan, apply, verify] = [/terraform init/, /terraform plan/, /terraform apply/, /verify-rollout/].map(at) as [
      number,
      number,
      number,
      number,
    ];
    expect(text[init]).toContain('-backend-config=envs/dev.backend.hcl');
    expect(text[plan]).toMatch(/-out=tfplan\b/);
    expect(text[plan]).toContain('-var-file=envs/dev.tfvars');
    expect(text[apply]).toMatch(/terraform apply [^\n]*\btfplan$/);
    expect(text[apply]).not.toContain('-auto-approve');
    expect(init < plan && plan < apply && apply < verify, JSON.stringify([init, plan, apply, verify])).toBe(true);
    expect(text.join('\n')).not.toMatch(/envs\/prod\./);
    expect(needsOf(dev)).toEqual(['gate', 'publish']);
  });

  /** Runs a step's script as GitHub does (bash -e -o pipefail) in a scratch `terraform/` with a fake `aws`. */
  const runStep = (step: Step, env: Record<string, string>, files: Record<string, string> = {}) => {
    const dir = mkdtempSync(join(tmpdir(), 'step-'));
    try {
      const bin = join(dir, 'bin');
      const work = join(dir, 'terraform');
      spawnSync('mkdir', ['-p', bin, join(work, 'envs')]);
      writeFileSync(join(work, 'envs/prod.backend.hcl'), readFileSync('terraform/envs/prod.backend.hcl', 'utf8'));
      for (const [name, content] of Object.entries(files)) writeFileSync(join(work, name), content);
      // put-object answers a version id; get-object writes $AWS_OBJECT to its outfile (the last argument).
      writeFileSync(
        join(bin, 'aws'),
        `#!/bin/bash\necho "$*" >> "${dir}/aws.args"\ncase "$2" in\n  put-object) echo "v-123" ;;\n  get-object) printf '%s' "$AWS_OBJECT" > "\${@: -1}" ;;\nesac\n`,
      );
      chmodSync(join(bin, 'aws'), 0o755);
      const output = join(dir, 'output');
      writeFileSync(output, '');
      const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run!], {
        cwd: work,
        env: { PATH: `${bin}:${process.env.PATH ?? ''}`, GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: join(dir, 'summary'), ...env },
        encoding: 'utf8',
      });
      return {
        status: result.status,
        stderr: result.stderr + result.stdout,
        output: readFileSync(output, 'utf8'),
        aws: existsSync(join(dir, 'aws.args')) ? readFileSync(join(dir, 'aws.args'), 'utf8') : '',
        planLeft: existsSync(join(work, 'tfplan')),
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
  const stateBucket = /^bucket\s*=\s*"(.+)"$/m.exec(readFileSync('terraform/envs/prod.backend.hcl', 'utf8'))![1]!;
  const stateDir = /^key\s*=\s*"(.+)\/terraform\.tfstate"$/m.exec(readFileSync('terraform/envs/prod.backend.hcl', 'utf8'))![1]!;

  it('never uploads a binary plan as an artifact (it holds the OIDC client secret in clear)', () => {
    for (const name of FILES)
      for (const { job, step } of steps(WORKFLOWS[name]))
        if (step.uses?.startsWith('actions/upload-artifact@'))
          for (const path of String(step.with?.path ?? '')
            .split('\n')
            .filter(Boolean))
            expect(path.trim(), `${name}.${job}`).not.toMatch(/(^|\/)tfplan$|\.tfplan$|\*/);
  });

  it('prod-plan saves the plan to the state bucket, shows only its redacted text (and sha256) to the approver', () => {
    const plan = jobs['prod-plan']!;
    expect(needsOf(plan)).toContain('dev');
    const text = runs(plan);
    expect(text.find((run) => /terraform init/.test(run))).toContain('-backend-config=envs/prod.backend.hcl');
    const planned = text.findIndex((run) => /terraform plan/.test(run));
    expect(text[planned]).toMatch(/-out=tfplan\b/);
    expect(text[planned]).toContain('-var-file=envs/prod.tfvars');
    expect(text.join('\n')).not.toMatch(/terraform apply/);
    const shown = text.findIndex((run) => /terraform show/.test(run));
    expect(text[shown]).toMatch(/terraform show -no-color tfplan > tfplan\.txt/);
    const store = plan.steps.findIndex((step) => step.id === 'store');
    const summary = text.findIndex((run) => run.includes('GITHUB_STEP_SUMMARY'));
    expect(planned < shown && shown < store && store < summary, JSON.stringify([planned, shown, store, summary])).toBe(true);
    expect(text[summary]).toContain('tfplan.txt');
    expect(text[summary]).toContain('$PLAN_SHA256');
    expect(plan.steps[summary]!.env?.PLAN_SHA256).toBe('${{ steps.store.outputs.sha256 }}');
    expect(plan.outputs).toEqual({
      plan_key: '${{ steps.store.outputs.key }}',
      plan_version: '${{ steps.store.outputs.version }}',
      plan_sha256: '${{ steps.store.outputs.sha256 }}',
    });
    const [upload] = usesOf(plan, 'actions/upload-artifact');
    expect(upload!.with?.name).toBe(`prod-plan-${HEAD_SHA}`);
    expect(String(upload!.with?.path).split('\n').filter(Boolean).sort()).toEqual([
      'terraform/.terraform.lock.hcl',
      'terraform/tfplan.txt',
    ]);
  });

  it('the store step puts the plan under <name>/prod/plans/<run_id>-<run_attempt>.tfplan of the state bucket and outputs its sha256 and version', () => {
    const step = jobs['prod-plan']!.steps.find((s) => s.id === 'store')!;
    expect(step.run).not.toContain('${{');
    expect(step.env).toEqual({ RUN_ID: '${{ github.run_id }}', RUN_ATTEMPT: '${{ github.run_attempt }}' });
    const plan = 'binary plan with a client secret';
    const stored = runStep(step, { RUN_ID: '42', RUN_ATTEMPT: '3' }, { tfplan: plan });
    expect(stored.status, stored.stderr).toBe(0);
    const key = `${stateDir}/plans/42-3.tfplan`;
    expect(key).toBe('action-tracker/prod/plans/42-3.tfplan');
    expect(stored.aws).toBe(
      `s3api put-object --bucket ${stateBucket} --key ${key} --body tfplan --server-side-encryption AES256 --query VersionId --output text\n`,
    );
    expect(stored.output).toBe(`key=${key}\nversion=v-123\nsha256=${sha256(plan)}\n`);
    expect(stored.planLeft, 'the plan file does not stay in the workspace').toBe(false);
  });

  it('prod applies the saved plan after approval (environment prod), never -auto-approve, then verifies the rollout', () => {
    const prod = jobs.prod!;
    expect(environmentOf(prod)).toBe('prod');
    expect(needsOf(prod)).toContain('prod-plan');
    const text = runs(prod);
    const download = prod.steps.findIndex((step) => step.uses?.startsWith('actions/download-artifact@'));
    expect(prod.steps[download]!.with).toMatchObject({ name: `prod-plan-${HEAD_SHA}`, path: 'terraform' });
    const fetch = prod.steps.findIndex((step) => step.id === 'fetch');
    const init = text.findIndex((run) => /terraform init/.test(run));
    const apply = text.findIndex((run) => /terraform apply/.test(run));
    const remove = text.findIndex((run) => /s3api delete-object/.test(run));
    expect(text[init]).toContain('-backend-config=envs/prod.backend.hcl');
    // The downloaded lock file pins the providers the plan was made with.
    expect(text[init]).toContain('-lockfile=readonly');
    expect(text[apply]).toMatch(/^terraform apply [^\n]*\btfplan$/);
    expect(text[apply]).not.toMatch(/-auto-approve|-var\b|-var-file/);
    expect(text.join('\n'), 'prod computes no plan of its own').not.toMatch(/terraform plan/);
    expect(download < fetch && fetch < init && init < apply && apply < remove, JSON.stringify([download, fetch, init, apply, remove])).toBe(
      true,
    );
    expect(text.findIndex((run) => /verify-rollout/.test(run))).toBeGreaterThan(apply);
    // The plan comes from the state bucket (that version), checked against the hash the approver saw.
    expect(prod.steps[fetch]!.env).toEqual({
      PLAN_KEY: '${{ needs.prod-plan.outputs.plan_key }}',
      PLAN_VERSION: '${{ needs.prod-plan.outputs.plan_version }}',
      PLAN_SHA256: '${{ needs.prod-plan.outputs.plan_sha256 }}',
    });
    expect(text[fetch]).toMatch(/aws s3api get-object --bucket "\$bucket" --key "\$PLAN_KEY" --version-id "\$PLAN_VERSION" tfplan/);
    expect(text[fetch]).toMatch(/sha256sum tfplan/);
    // Applied or refused, that version of the plan is deleted.
    expect(prod.steps[remove]!.if).toBe("always() && steps.fetch.outcome == 'success'");
    expect(text[remove]).toMatch(/--key "\$PLAN_KEY" --version-id "\$PLAN_VERSION"/);
  });

  it('the fetch step applies nothing unless the plan from the bucket has the approved sha256', () => {
    const step = jobs.prod!.steps.find((s) => s.id === 'fetch')!;
    expect(step.run).not.toContain('${{');
    const plan = 'binary plan with a client secret';
    const key = `${stateDir}/plans/42-3.tfplan`;
    const right = { PLAN_KEY: key, PLAN_VERSION: 'v-123', PLAN_SHA256: sha256(plan), AWS_OBJECT: plan };
    const fetched = runStep(step, right);
    expect(fetched.status, fetched.stderr).toBe(0);
    expect(fetched.aws).toBe(`s3api get-object --bucket ${stateBucket} --key ${key} --version-id v-123 tfplan\n`);
    expect(fetched.planLeft).toBe(true);
    const tampered = runStep(step, { ...right, AWS_OBJECT: `${plan} (changed)` });
    expect(tampered.status).toBe(1);
    expect(tampered.stderr).toMatch(/not the approved/);
    expect(tampered.planLeft, 'a plan that does not match is removed').toBe(false);
    for (const missing of [{ PLAN_SHA256: '' }, { PLAN_KEY: '' }, { PLAN_VERSION: '' }, { PLAN_SHA256: 'abc' }])
      expect(runStep(step, { ...right, ...missing }).status, JSON.stringify(missing)).toBe(1);
  });

  it('verifies each rollout with the script, the applied task definition and the commit', () => {
    expect(existsSync('scripts/deploy/verify-rollout.mjs')).toBe(true);
    for (const id of ['dev', 'prod']) {
      const verify = runs(jobs[id]!).find((run) => /verify-rollout/.test(run))!;
      expect(verify, id).toMatch(/^node \.\.\/scripts\/deploy\/verify-rollout\.mjs /);
      expect(verify).toContain('--task-definition "$(terraform output -raw ecs_task_definition_arn)"');
      expect(verify).toContain('--cluster "$(terraform output -raw ecs_cluster_name)"');
      expect(verify).toContain('--service "$(terraform output -raw ecs_service_name)"');
      expect(verify).toContain('--url "https://$(terraform output -raw alb_dns_name)/health"');
      expect(verify).toContain('--commit "$SHA"');
      expect(jobs[id]!.env?.SHA).toBe(HEAD_SHA);
    }
    expect(TEXT.deploy).not.toMatch(/services-stable/);
  });

  it('never runs two deploys or two Terraform runs on one state at once, and never cancels one', () => {
    expect(deploy.concurrency).toEqual({ group: 'deploy', 'cancel-in-progress': false });
    expect(jobs.dev!.concurrency).toEqual({ group: 'terraform-dev', 'cancel-in-progress': false });
    expect(jobs['prod-plan']!.concurrency).toEqual({ group: 'terraform-prod-plan', 'cancel-in-progress': false });
    expect(jobs.prod!.concurrency).toEqual({ group: 'terraform-prod', 'cancel-in-progress': false });
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

  it('stops a prod teardown before any AWS access: half a destroy would leave half a production', () => {
    const refusal = job.steps.findIndex((step) => step.if === "inputs.environment == 'prod'");
    const firstAws = job.steps.findIndex((step) => step.uses?.startsWith('aws-actions/configure-aws-credentials'));
    expect(refusal, 'a step for prod').toBeGreaterThan(0);
    expect(refusal).toBeLessThan(firstAws);
    const ran = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', job.steps[refusal]!.run!], { encoding: 'utf8' });
    expect(ran.status).toBe(1);
    expect(ran.stdout).toMatch(/prod is never destroyed/);
  });

  it("empties dev's buckets through a targeted apply first; prod never forces", () => {
    const runs = job.steps.map(script);
    const destroy = runs.findIndex((run) => /\bterraform destroy\b/.test(run));
    const force = job.steps.findIndex((step) => /evidence_force_destroy=true/.test(script(step)));
    expect(force).toBeGreaterThan(runs.findIndex((run) => /\bterraform init\b/.test(run)));
    expect(force).toBeLessThan(destroy);
    expect(job.steps[force]!.if).toBe("inputs.environment == 'dev'");
    expect(runs[force]).toMatch(/terraform apply .*-target=module\.s3 -target=module\.logs .*-var-file=envs\/dev\.tfvars/);
    expect(runs[destroy]).toContain('-var "evidence_force_destroy=$FORCE"');
    expect(job.steps[destroy]!.env?.FORCE).toBe("${{ inputs.environment == 'dev' }}");
    expect(assumesRole(job) && environmentOf(job)).toBe('${{ inputs.environment }}');
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
    for (const dir of ['terraform', 'terraform/bootstrap', '"$dir"']) {
      expect(runs).toContain(`terraform -chdir=${dir} init -backend=false`);
      expect(runs).toContain(`terraform -chdir=${dir} validate`);
    }
    expect(runs, 'every module is validated').toContain('for dir in terraform/modules/*/; do');
    expect(runs).toMatch(/docker buildx build --platform linux\/amd64/);
    expect(runs, 'arm64 is built too').toMatch(/docker buildx build --platform linux\/arm64/);
    const trivy = all.find(({ step }) => step.uses?.startsWith('aquasecurity/trivy-action@'))!.step;
    expect(trivy.with).toMatchObject({ severity: 'HIGH,CRITICAL', 'exit-code': '1', 'image-ref': `action-tracker${SHA_TAG}` });
  });

  it('builds the image with its commit, and the running image reports it on /health', () => {
    const runs = steps(ci).map(({ step }) => script(step));
    const build = runs.find((run) => /docker buildx build --platform linux\/amd64/.test(run))!;
    expect(build).toContain('--build-arg COMMIT_SHA=${{ github.sha }}');
    expect(build).toContain(`--tag "action-tracker${SHA_TAG}"`);
    expect(runs.find((run) => /docker run/.test(run))).toContain(`grep -q '"commit":"\${{ github.sha }}"' health.json`);
    // Run as the task runs it: read-only root, the task's identity mode (bare, the image refuses to start).
    expect(runs.find((run) => /docker run/.test(run))).toMatch(/docker run -d [^\n]*--read-only/);
    expect(runs.find((run) => /docker run/.test(run))).toMatch(/-e AUTH_MODE=alb-oidc/);
  });

  it("installs Debian's chromium and the PostgreSQL server binaries (postgresql) in the test container", () => {
    const test = Object.values(ci.jobs).find((job) => job.services?.postgres)!;
    expect(String((test.container as { image?: string })?.image)).toMatch(/^node:\$\{\{ matrix\.node \}\}-bookworm$/);
    const runs = test.steps.map(script);
    const apt = runs.findIndex((run) => /apt-get install/.test(run));
    expect(runs[apt]).toMatch(/apt-get install -y[^\n]* chromium\b/);
    // password-rotation.test.ts: initdb + postgres as the package's `postgres` user (runuser).
    expect(runs[apt]).toMatch(/apt-get install -y[^\n]* postgresql\b/);
    expect(runs[apt]).not.toMatch(/postgresql-client\b/);
    expect(apt).toBeLessThan(runs.findIndex((run) => run.includes('npm test')));
  });

  it('runs the IaC suites with Terraform and a provider mirror in the test job', () => {
    const test = Object.values(ci.jobs).find((job) => job.services?.postgres)!;
    const runs = test.steps.map(script);
    const mirror = runs.findIndex((run) => /terraform -chdir=terraform providers mirror/.test(run));
    expect(mirror).toBeGreaterThan(test.steps.findIndex((step) => step.uses?.startsWith('hashicorp/setup-terraform@')));
    expect(runs[mirror]).toContain('TF_PLUGIN_MIRROR=');
    expect(mirror).toBeLessThan(runs.findIndex((run) => run.includes('npm test')));
  });
});
