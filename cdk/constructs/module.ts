// The base of the constructs that twin one Terraform module each, and the
// logical-id rule that lets resources move into them without being replaced.
import { createHash } from 'node:crypto';
import { Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import { Construct, type IConstruct } from 'constructs';

/** A construct that stands for one terraform/modules/<name> (the name is kept for the report and tests). */
export class TerraformModule extends Construct {
  readonly terraformModule: string;
  constructor(scope: Construct, id: string, terraformModule: string) {
    super(scope, id);
    this.terraformModule = terraformModule;
  }
}

/**
 * CloudFormation replaces a resource whose logical id changes: moving the
 * database or the evidence bucket into a construct would then delete it. The
 * module constructs are therefore left out of the id (like a Terraform `moved`
 * block): `Rds/Database/Resource` keeps the id of `Database/Resource`.
 * Two modules defining the same inner path would collide, which CDK refuses
 * at synth ("already contains").
 */
export class ModularStack extends Stack {
  protected override allocateLogicalId(element: CfnElement): string {
    const scopes = element.node.scopes;
    const below = scopes.slice(scopes.indexOf(element.stack) + 1);
    const components = below.filter((scope, i) => !(i === 0 && scope instanceof TerraformModule)).map((scope) => scope.node.id);
    return makeUniqueId(components);
  }
}

// CDK's own algorithm (aws-cdk-lib/core/lib/private/uniqueid, not exported),
// so resources outside the module constructs keep the ids CDK would give them.
const HIDDEN_ID = 'Default';
const HIDDEN_FROM_HUMAN_ID = 'Resource';

function makeUniqueId(all: string[]): string {
  const components = all.filter((c) => c !== HIDDEN_ID);
  if (components.length === 0) throw new Error('Unable to calculate a unique id for an empty set of components');
  if (components.length === 1) {
    const candidate = removeNonAlphanumeric(components[0]!);
    if (candidate.length <= 255) return candidate;
  }
  const hash = createHash('md5').update(components.join('/')).digest('hex').slice(0, 8).toUpperCase();
  const human = removeDupes(components)
    .filter((c) => c !== HIDDEN_FROM_HUMAN_ID)
    .map(removeNonAlphanumeric)
    .join('')
    .slice(0, 240);
  return human + hash;
}

function removeNonAlphanumeric(s: string): string {
  return s.replace(/[^A-Za-z0-9]/g, '');
}

function removeDupes(path: string[]): string[] {
  const out: string[] = [];
  for (const c of path) if (out.length === 0 || !out[out.length - 1]!.endsWith(c)) out.push(c);
  return out;
}

/** A cdk-nag finding acknowledged on purpose; `appliesTo` names findings of multi-finding rules (IAM5's `Resource::…`). */
export interface NagAcknowledgment {
  readonly id: string;
  readonly reason: string;
  readonly appliesTo?: readonly string[];
}

/**
 * cdk-nag 3 reads CDK's own acknowledgments (`Validations.of(x).acknowledge`),
 * on the resource or any ancestor; a multi-finding rule needs one per finding.
 */
export function acknowledge(scope: IConstruct, rules: readonly NagAcknowledgment[]): void {
  for (const rule of rules) {
    const ids = rule.appliesTo ? rule.appliesTo.map((finding) => `${rule.id}[${finding}]`) : [rule.id];
    Validations.of(scope).acknowledge(...ids.map((id) => ({ id, reason: rule.reason })));
  }
}
