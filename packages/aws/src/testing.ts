// `@ghr/aws/testing`: moto on loopback, SDK clients for it, a fault-injecting proxy and an API call counter,
// for the integration tests and benchmarks of ghr and of code built on @ghr/aws.
export { countCalls } from './testing/call-counter.js';
export type { CallCounter, MiddlewareClient } from './testing/call-counter.js';
export { testClientConfig, testClients } from './testing/clients.js';
export { MOTO_AMI, createEc2Fixture, seedRunnerInstances } from './testing/ec2-fixture.js';
export type { Ec2Fixture, SeedRunnerInstancesOptions } from './testing/ec2-fixture.js';
export type { TestClientConfig, TestClientOptions, TestClients } from './testing/clients.js';
export { partialFleet, startFaultProxy } from './testing/fault-proxy.js';
export type {
  ErrorFault,
  Fault,
  FaultProxy,
  FaultRequest,
  FaultRule,
  PartialFleetOptions,
  ProxiedCall,
  RespondFault,
  RewriteFault,
} from './testing/fault-proxy.js';
export { findMoto, freePort, resetMoto, startMoto } from './testing/moto.js';
export { oneRequestAtATime } from './testing/serialize.js';
export type { MotoServer, StartMotoOptions } from './testing/moto.js';
