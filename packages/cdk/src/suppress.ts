// cdk-nag suppressions through aws-cdk-lib's own acknowledgements (`Validations.of(scope).acknowledge`), which
// cdk-nag reads: @ghr/cdk needs no runtime dependency on cdk-nag. Every suppression carries its reason.
import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** One suppressed cdk-nag rule (or one finding of it), with the reason it does not apply. */
export interface NagSuppression {
  /** Rule id, e.g. `AwsSolutions-S1`. */
  readonly id: string;
  readonly reason: string;
  /** Findings it covers (e.g. `Resource::*`); default every finding of the rule. */
  readonly findings?: readonly string[];
}

/**
 * Acknowledges cdk-nag rules on `scope` and everything under it.
 *
 * @example
 * ```ts
 * suppressNag(bucket, [{ id: 'AwsSolutions-S1', reason: 'Holds only public runner binaries.' }]);
 * ```
 */
export function suppressNag(scope: IConstruct, suppressions: readonly NagSuppression[]): void {
  const validations = Validations.of(scope);
  for (const s of suppressions) {
    if (s.findings === undefined) validations.acknowledge({ id: s.id, reason: s.reason });
    else for (const finding of s.findings) validations.acknowledge({ id: `${s.id}[${finding}]`, reason: s.reason });
  }
}

/** A CloudFormation value flattened as cdk-nag names it in findings (`<Logical.Attr>`, `<AWS::Region>`). */
function flatten(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  const o = node as Record<string, unknown>;
  if (Array.isArray(o['Fn::Join'])) {
    const [delimiter, items] = o['Fn::Join'] as [string, unknown[]];
    return items.map(flatten).join(delimiter);
  }
  if (o['Fn::Sub'] !== undefined) return flatten(o['Fn::Sub']);
  if (Array.isArray(o['Fn::GetAtt'])) {
    const [resource, attribute] = o['Fn::GetAtt'] as [unknown, unknown];
    return `<${flatten(resource)}.${flatten(attribute)}>`;
  }
  if (o['Fn::ImportValue'] !== undefined) return flatten(o['Fn::ImportValue']);
  if (o['Ref'] !== undefined) return `<${flatten(o['Ref'])}>`;
  return JSON.stringify(node);
}

/**
 * Acknowledges cdk-nag's `AwsSolutions-IAM5` findings for these wildcard resources (ARNs, tokens allowed) on `scope`.
 *
 * @example
 * ```ts
 * suppressWildcardResources(role, [bucket.arnForObjects('actions-runner/*')], 'Every runner variant under the prefix.');
 * ```
 */
export function suppressWildcardResources(scope: IConstruct, resources: readonly string[], reason: string): void {
  const stack = Stack.of(scope);
  const findings = resources.map((r) => `Resource::${flatten(stack.resolve(r))}`);
  suppressNag(scope, [{ id: 'AwsSolutions-IAM5', reason, findings }]);
}
