import { describe, expect, it } from 'vitest';
import { LambdaConfigError, readLambdaConfig, requireSetting } from './config.js';

const BASE = {
  GHR_CONFIG_PARAMETER: '/ghr/prod/config',
  GHR_ENVIRONMENT: 'prod',
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'AKIA',
  AWS_SECRET_ACCESS_KEY: 'secret',
};

describe('readLambdaConfig', () => {
  it('reads the environment Lambda and the construct give, with defaults for the rest', () => {
    const config = readLambdaConfig({ ...BASE, AWS_SESSION_TOKEN: 'token', GHR_QUEUE_URL: 'https://sqs/q', AWS_LAMBDA_FUNCTION_NAME: 'ghr-webhook' });
    expect(config).toMatchObject({
      configParameter: '/ghr/prod/config',
      environment: 'prod',
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIA', secretAccessKey: 'secret', sessionToken: 'token' },
      queueUrl: 'https://sqs/q',
      metricsNamespace: 'ghr',
      functionName: 'ghr-webhook',
      logLevel: 'INFO',
      rerunInterruptedJobs: true,
    });
    expect(config.tableName).toBeUndefined();
  });

  it('names every missing variable in one error that says what to set', () => {
    const error = (() => {
      try {
        readLambdaConfig({ AWS_REGION: 'eu-west-1' });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(LambdaConfigError);
    const message = (error as Error).message;
    for (const name of ['GHR_CONFIG_PARAMETER', 'GHR_ENVIRONMENT', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) expect(message).toContain(name);
    expect(message).not.toContain('AWS_REGION (');
  });

  it('refuses a config parameter that is not an SSM name, a bad log level and a bad re-run flag', () => {
    expect(() => readLambdaConfig({ ...BASE, GHR_CONFIG_PARAMETER: 'config' })).toThrow(/GHR_CONFIG_PARAMETER must be an SSM parameter name/);
    expect(() => readLambdaConfig({ ...BASE, GHR_LOG_LEVEL: 'loud' })).toThrow(/GHR_LOG_LEVEL/);
    expect(() => readLambdaConfig({ ...BASE, GHR_RERUN_INTERRUPTED_JOBS: 'maybe' })).toThrow(/GHR_RERUN_INTERRUPTED_JOBS/);
  });

  it('says which variable a function needs when its own setting is missing', () => {
    const config = readLambdaConfig(BASE);
    expect(() => requireSetting(config, 'tableName')).toThrow(/GHR_TABLE_NAME/);
    expect(requireSetting(readLambdaConfig({ ...BASE, GHR_TABLE_NAME: 't' }), 'tableName')).toBe('t');
  });
});
