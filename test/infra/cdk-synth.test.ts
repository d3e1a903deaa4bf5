// `npm run cdk:synth` works offline: no AWS account, no network, no ts-node.
// It writes the dev and prod stacks and the bootstrap stack (the twin of
// terraform/bootstrap), each with the resources of its Terraform counterpart.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

const outdir = mkdtempSync(join(tmpdir(), 'iat-cdk-out-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const types = (resources: Resources): Set<string> => new Set(Object.values(resources).map((r) => r.Type));
const ofType = (resources: Resources, type: string) => Object.values(resources).filter((r) => r.Type === type);

it('synthesizes the dev, prod and bootstrap stacks offline from cdk.json context', () => {
  // No credentials or region from the environment: everything comes from cdk.json.
  const env = {
    ...process.env,
    CDK_OUTDIR: outdir,
    AWS_ACCESS_KEY_ID: '',
    AWS_SECRET_ACCESS_KEY: '',
    AWS_PROFILE: '',
    CDK_CONTEXT_JSON: '',
  };
  delete (env as Record<string, string | undefined>).CDK_CONTEXT_JSON;
  execFileSync(process.execPath, ['cdk/synth.mjs'], { env, stdio: 'pipe', timeout: 120_000 });

  const templates = readdirSync(outdir)
    .filter((f) => f.endsWith('.template.json'))
    .sort();
  expect(templates).toEqual([
    'ActionTrackerBootstrap.template.json',
    'ActionTrackerStack-dev.template.json',
    'ActionTrackerStack-prod.template.json',
  ]);
  const read = (file: string): Resources => JSON.parse(readFileSync(join(outdir, file), 'utf8')).Resources;

  for (const file of templates.filter((f) => f.startsWith('ActionTrackerStack-'))) {
    const resources = read(file);
    for (const type of [
      'AWS::ECS::Service',
      'AWS::ECS::ClusterCapacityProviderAssociations',
      'AWS::RDS::DBInstance',
      'AWS::RDS::DBParameterGroup',
      'AWS::S3::Bucket',
      'AWS::ElasticLoadBalancingV2::LoadBalancer',
      'AWS::WAFv2::WebACL',
      'AWS::WAFv2::WebACLAssociation',
      'AWS::WAFv2::LoggingConfiguration',
      'AWS::EC2::FlowLog',
      'AWS::EC2::VPCEndpoint',
      'AWS::Events::Rule',
      'AWS::Logs::LogGroup',
      'AWS::SNS::TopicPolicy',
    ]) {
      expect(types(resources), `${file} has ${type}`).toContain(type);
    }
    // The CI identity moved to the bootstrap; no secret is generated (RDS manages the password).
    for (const type of ['AWS::IAM::OIDCProvider', 'AWS::SecretsManager::Secret']) {
      expect(types(resources), `${file} has no ${type}`).not.toContain(type);
    }
    expect(ofType(resources, 'AWS::S3::Bucket'), `${file}: evidence and log buckets`).toHaveLength(2);
    const [db] = ofType(resources, 'AWS::RDS::DBInstance');
    expect(db?.Properties?.ManageMasterUserPassword, `${file}: RDS-managed master password`).toBe(true);
    expect(db?.Properties?.MasterUserPassword, `${file}: no password in the template`).toBeUndefined();
    const [td] = ofType(resources, 'AWS::ECS::TaskDefinition');
    const container = (td?.Properties?.ContainerDefinitions as Record<string, unknown>[])[0]!;
    expect(container.Secrets, `${file}: no container secrets`).toBeUndefined();
    expect(container.ReadonlyRootFilesystem, `${file}: read-only root filesystem`).toBe(true);
    for (const role of ofType(resources, 'AWS::IAM::Role')) {
      expect(role.Properties?.PermissionsBoundary, `${file}: ${String(role.Properties?.RoleName)} has the boundary`).toMatch(
        /^arn:aws:iam::123456789012:policy\/action-tracker-(dev|prod)-boundary$/,
      );
    }
  }

  const bootstrap = read('ActionTrackerBootstrap.template.json');
  for (const type of ['AWS::IAM::OIDCProvider', 'AWS::IAM::Role', 'AWS::IAM::ManagedPolicy', 'AWS::S3::Bucket', 'AWS::ECR::Repository']) {
    expect(types(bootstrap), `bootstrap has ${type}`).toContain(type);
  }
  expect(
    ofType(bootstrap, 'AWS::IAM::Role')
      .map((r) => r.Properties?.RoleName)
      .sort(),
  ).toEqual(['action-tracker-dev-terraform', 'action-tracker-image-publish', 'action-tracker-prod-plan', 'action-tracker-prod-terraform']);
  expect(
    ofType(bootstrap, 'AWS::IAM::ManagedPolicy')
      .map((r) => r.Properties?.ManagedPolicyName)
      .sort(),
  ).toEqual(['action-tracker-dev-boundary', 'action-tracker-prod-boundary']);
}, 150_000);

describe('the env stack in process', () => {
  it('keeps the logical ids of the single-constructor stack (moving into constructs replaces nothing)', async () => {
    const { App } = await import('../../cdk/testing');
    const { buildStack, logicalIds } = await import('../../cdk/stack');
    const ids = logicalIds(buildStack(new App(), 'dev'));
    // A changed logical id makes CloudFormation replace the resource: the database and the buckets above all.
    expect(ids).toMatchObject({
      vpc: 'Vpc8378EB38',
      privateSubnets: ['VpcprivateSubnet1SubnetCEAD3716', 'VpcprivateSubnet2Subnet2DE7549C'],
      publicSubnets: ['VpcpublicSubnet1Subnet2BB74ED7', 'VpcpublicSubnet2SubnetE34B022A'],
      albSecurityGroup: 'AlbSecurityGroup86A59E99',
      appSecurityGroup: 'AppSecurityGroupC396D536',
      dbSecurityGroup: 'DbSecurityGroupE9D701AD',
      loadBalancer: 'LoadBalancerBE9EEC3A',
      httpsListener: 'LoadBalancerHttpsListener583C7712',
      targetGroup: 'TargetGroup3D7CD9B8',
      taskDefinition: 'TaskDefinitionB36D86D9',
      database: 'DatabaseB269D8BB',
      evidenceBucket: 'EvidenceBucketFBA44255',
      evidenceBucketPolicy: 'EvidenceBucketPolicy5657A7FB',
      logGroup: 'LogGroupF5B46931',
      taskRole: 'TaskRole30FC0FBB',
    });
  }, 120_000);

  it('with a KMS key: EVIDENCE_SSE aws:kms, the key id, and the task role may use the key', async () => {
    const { App, Template } = await import('../../cdk/testing');
    const { buildStack, logicalIds } = await import('../../cdk/stack');
    const key = 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555';
    for (const kmsKeyArn of [undefined, key]) {
      const stack = buildStack(new App(), 'dev', { kmsKeyArn });
      const ids = logicalIds(stack);
      const resources = Template.fromStack(stack).toJSON().Resources as Record<string, { Properties: Record<string, any> }>;
      const env = Object.fromEntries(
        (resources[ids.taskDefinition]!.Properties.ContainerDefinitions[0].Environment as { Name: string; Value: unknown }[]).map((e) => [
          e.Name,
          e.Value,
        ]),
      );
      const statements = (
        resources[ids.taskRole]!.Properties.Policies as {
          PolicyDocument: { Statement: { Sid: string; Resource: unknown; Action: unknown }[] };
        }[]
      ).flatMap((p) => p.PolicyDocument.Statement);
      const keyStatement = statements.find((st) => st.Sid === 'EvidenceKey');
      if (kmsKeyArn) {
        expect(env.EVIDENCE_SSE).toBe('aws:kms');
        expect(env.EVIDENCE_KMS_KEY_ID).toBe(key);
        expect(keyStatement).toMatchObject({ Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: key });
      } else {
        expect(env.EVIDENCE_SSE).toBe('AES256');
        expect(env).not.toHaveProperty('EVIDENCE_KMS_KEY_ID');
        expect(keyStatement).toBeUndefined();
      }
    }
  }, 120_000);

  it('refuses what terraform/variables.tf refuses for prod', async () => {
    const { App } = await import('../../cdk/testing');
    const { buildStack } = await import('../../cdk/stack');
    const refused = {
      evidenceForceDestroy: true,
      deletionProtection: false,
      multiAz: false,
      enableWaf: false,
      albAccessLogsEnabled: false,
      singleNatGateway: true,
      logRetentionDays: 14,
      useFargateSpot: true,
    } as const;
    for (const [key, value] of Object.entries(refused)) {
      expect(() => buildStack(new App(), 'prod', { [key]: value }), `prod with ${key}=${String(value)}`).toThrow(/prod/);
    }
    expect(() => buildStack(new App(), 'prod', { dockerImage: 'repo/app:latest' })).toThrow(/immutable/);
  }, 120_000);
});
