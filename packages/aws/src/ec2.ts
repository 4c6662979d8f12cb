// `@ghr/aws/ec2`: the EC2 runner provider; it hands bootstrap secrets over through SSM (peers:
// `@aws-sdk/client-ec2`, `@aws-sdk/client-ssm`).
export { AwsError, isAwsError, toLaunchErrorCode } from './errors.js';
export type { AwsErrorCode } from './errors.js';
export { EC2_MAX_FLEET_SIZE, EC2_MAX_TERMINATE_BATCH, EC2_RUNNER_TAGS, Ec2RunnerProvider } from './ec2/ec2-runner-provider.js';
export type { Ec2RunnerProviderOptions } from './ec2/ec2-runner-provider.js';
export { parseEc2PoolInstance } from './ec2/pool-instance.js';
export type { Ec2PoolInstance, OnDemandAllocationStrategy, SpotAllocationStrategy } from './ec2/pool-instance.js';
