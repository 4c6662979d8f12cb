import { resolve } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { readSettings } from '../src/config.js';
import { buildStack } from '../src/stack.js';
import { fixtureBundles } from './fixtures.js';

const EXAMPLE = resolve(import.meta.dirname, '../../../examples/ghr.config.yaml');

describe('readSettings', () => {
  it('prefers CDK context to the environment', () => {
    const app = new App({ context: { config: EXAMPLE, environment: 'prod' } });
    const settings = readSettings(app, { GHR_CONFIG: '/nowhere.yaml', GHR_ENVIRONMENT: 'staging', GHR_VPC_ID: 'vpc-1', GHR_SUBNET_IDS: 'subnet-a, subnet-b' });
    expect(settings).toMatchObject({ configPath: EXAMPLE, environment: 'prod', vpc: { vpcId: 'vpc-1', subnetIds: ['subnet-a', 'subnet-b'] } });
  });

  it('says what to set when the config is missing or the VPC has no subnets', () => {
    expect(() => readSettings(new App(), { GHR_CONFIG: '/nowhere/ghr.config.yaml' })).toThrow('pass -c config=<path> or set GHR_CONFIG');
    expect(() => readSettings(new App({ context: { config: EXAMPLE, vpcId: 'vpc-1' } }), {})).toThrow('pass -c subnetIds=');
  });
});

describe('buildStack in an existing VPC', () => {
  it('runs the runners in the given subnets, without public IPs, and writes the subnets into the deployed config', () => {
    const app = new App();
    const { stack } = buildStack(app, {
      configPath: EXAMPLE,
      environment: 'prod',
      lambdaCode: fixtureBundles(),
      vpc: { vpcId: 'vpc-0abc', subnetIds: ['subnet-0aaa', 'subnet-0bbb'] },
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EC2::VPC', 0);
    template.hasResourceProperties('AWS::EC2::SecurityGroup', { VpcId: 'vpc-0abc' });
    const templates = Object.values(template.findResources('AWS::EC2::LaunchTemplate')) as { Properties: { LaunchTemplateData: { NetworkInterfaces: { AssociatePublicIpAddress: boolean }[] } } }[];
    expect(templates).toHaveLength(2);
    for (const lt of templates) expect(lt.Properties.LaunchTemplateData.NetworkInterfaces[0]?.AssociatePublicIpAddress).toBe(false);
    const config = JSON.stringify(Object.values(template.findResources('AWS::SSM::Parameter'))[0]);
    expect(config).toContain('\\"subnetIds\\":[\\"subnet-0aaa\\",\\"subnet-0bbb\\"]');
  });
});
