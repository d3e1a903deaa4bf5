// cdk-nag's AwsSolutions pack over every stack the CDK app synthesizes: dev,
// prod, dev with the bastion, and the bootstrap. A finding is either fixed in
// cdk/ or acknowledged there, next to the construct, with the reason
// (cdk/constructs/module.ts `acknowledge`); none may be left over. CDK's own
// synth annotations (errors and warnings) must be empty too.
import { describe, expect, it } from 'vitest';
import { buildBootstrapStack, buildStack } from '../../cdk/stack';
import { Annotations, App, AwsSolutionsChecks, Bucket, Match, Stack } from '../../cdk/testing';

interface Finding {
  readonly severity: string;
  readonly rule: string;
  readonly path: string;
  readonly description: string;
}

/** Unacknowledged AwsSolutions findings of a stack, after synthesis (aspects such as the permissions boundary applied). */
function nagFindings(stack: Stack): Finding[] {
  const pack = new AwsSolutionsChecks(stack);
  const report = pack.validateScope(stack);
  return report.violations.flatMap((v) =>
    v.violatingResources.map((r) => ({
      severity: v.severity ?? 'error',
      rule: v.ruleName,
      path: (r as { constructPath?: string }).constructPath ?? r.resourceLogicalId ?? '?',
      description: v.description,
    })),
  );
}

/** CDK's own synth messages of a stack (errors and warnings), readable. */
function synthMessages(stack: Stack): string[] {
  const annotations = Annotations.fromStack(stack);
  return [
    ...annotations.findError('*', Match.anyValue()).map((m) => `[error] ${m.id}: ${String(m.entry.data)}`),
    ...annotations.findWarning('*', Match.anyValue()).map((m) => `[warning] ${m.id}: ${String(m.entry.data)}`),
  ];
}

const format = (findings: Finding[]): string =>
  findings.map((f) => `  [${f.severity}] ${f.rule}\n      at ${f.path}\n      ${f.description}`).join('\n');

const stacks: Record<string, () => Stack> = {
  dev: () => buildStack(new App(), 'dev'),
  prod: () => buildStack(new App(), 'prod'),
  'dev+bastion': () => buildStack(new App(), 'dev', { enableBastion: true }),
  'dev+kms+endpoints+force-destroy': () =>
    buildStack(new App(), 'dev', {
      kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555',
      enableInterfaceEndpoints: true,
      evidenceForceDestroy: true,
      dbIamAuthentication: true,
    }),
  'dev+probe-schedule': () => buildStack(new App(), 'dev', { probeSchedule: 'rate(5 minutes)' }),
  bootstrap: () => buildBootstrapStack(new App()),
};

describe('cdk-nag AwsSolutions', () => {
  for (const [label, build] of Object.entries(stacks)) {
    it(`${label}: no unacknowledged error or warning, no synth annotation`, () => {
      const stack = build();
      // Synthesize first: annotations and aspects (boundary, tags) exist only after it.
      const messages = synthMessages(stack);
      const findings = nagFindings(stack);
      const errors = findings.filter((f) => f.severity === 'error');
      const warnings = findings.filter((f) => f.severity !== 'error');
      expect(errors.length, `${label}: ${errors.length} cdk-nag error(s):\n${format(errors)}`).toBe(0);
      expect(warnings.length, `${label}: ${warnings.length} cdk-nag warning(s):\n${format(warnings)}`).toBe(0);
      expect(messages, `${label}: synth annotations`).toEqual([]);
    }, 120_000); // the first synth loads aws-cdk-lib's modules: tens of seconds on a busy machine
  }

  it('acknowledges only with a reason, and the pack did run (a bare public bucket is flagged)', async () => {
    const stack = new Stack(new App(), 'NagCanary');
    new Bucket(stack, 'Bare');
    const rules = new Set(nagFindings(stack).map((f) => f.rule));
    expect([...rules]).toEqual(expect.arrayContaining(['AwsSolutions-S1', 'AwsSolutions-S10']));
  });
});
