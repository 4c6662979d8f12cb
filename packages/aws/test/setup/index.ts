// What integration tests import: the moto endpoint comes from `inject('motoEndpoint')` (see ./moto.ts).
import './moto.js';

export {
  countCalls,
  oneRequestAtATime,
  partialFleet,
  resetMoto,
  startFaultProxy,
  testClientConfig,
  testClients,
} from '../../src/testing.js';
export type { FaultProxy, FaultRule, TestClients } from '../../src/testing.js';
export { createEc2Fixture, MOTO_AMI } from '../../src/testing.js';
export type { Ec2Fixture } from '../../src/testing.js';
