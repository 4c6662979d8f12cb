import { EC2ServiceException } from '@aws-sdk/client-ec2';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { ParameterNotFound } from '@aws-sdk/client-ssm';
import { GhrError } from '@ghr/core';
import { describe, expect, it } from 'vitest';
import { AwsError, classifyAwsErrorCode, isAwsError, toAwsError, toLaunchErrorCode } from './errors.js';

function ec2Error(name: string, status = 400, extra: Record<string, unknown> = {}): EC2ServiceException {
  const err = new EC2ServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status, requestId: 'req-1' },
    message: `${name} happened`,
  });
  return Object.assign(err, extra);
}

describe('toAwsError', () => {
  it.each([
    ['InsufficientInstanceCapacity', 'capacity', true],
    ['InsufficientCapacity', 'capacity', true],
    ['MaxSpotInstanceCountExceeded', 'quota', false],
    ['VcpuLimitExceeded', 'quota', false],
    ['InstanceLimitExceeded', 'quota', false],
    ['RequestLimitExceeded', 'throttled', true],
    ['ThrottlingException', 'throttled', true],
    ['Throttling', 'throttled', true],
    ['ProvisionedThroughputExceededException', 'throttled', true],
    ['ConditionalCheckFailedException', 'conflict', true],
    ['TransactionCanceledException', 'conflict', true],
    ['InvalidParameterValue', 'invalid-config', false],
    ['InvalidLaunchTemplateId.NotFound', 'not-found', false],
    ['InvalidLaunchTemplateName.NotFoundException', 'not-found', false],
    ['InvalidInstanceID.NotFound', 'not-found', false],
    ['UnauthorizedOperation', 'unauthorized', false],
    ['AccessDenied', 'unauthorized', false],
    ['ValidationException', 'invalid-input', false],
  ] as const)('classifies %s as %s (retryable %s)', (name, code, retryable) => {
    // Arrange
    const err = ec2Error(name);
    // Act
    const out = toAwsError(err, 'EC2 CreateFleet for pool "linux"');
    // Assert
    expect(out).toBeInstanceOf(AwsError);
    expect(out).toBeInstanceOf(GhrError);
    expect(out).toMatchObject({ name: 'AwsError', code, retryable, awsCode: name, httpStatus: 400, requestId: 'req-1' });
    expect(out.cause).toBe(err);
    expect(out.message).toContain('EC2 CreateFleet for pool "linux" failed');
  });

  it('reads the SDK exception classes of every client the same way', () => {
    const ddb = new ConditionalCheckFailedException({ $metadata: { httpStatusCode: 400 }, message: 'The conditional request failed' });
    const ssm = new ParameterNotFound({ $metadata: { httpStatusCode: 400 }, message: 'not there' });
    expect(toAwsError(ddb, 'put').code).toBe('conflict');
    expect(toAwsError(ssm, 'get').code).toBe('not-found');
  });

  it('falls back on the HTTP status and smithy hints for unknown codes', () => {
    expect(toAwsError(ec2Error('SomethingNew', 503), 'x')).toMatchObject({ code: 'unavailable', retryable: true });
    expect(toAwsError(ec2Error('SomethingNew', 429), 'x')).toMatchObject({ code: 'throttled', retryable: true });
    expect(toAwsError(ec2Error('SomethingNew', 403), 'x')).toMatchObject({ code: 'unauthorized', retryable: false });
    expect(toAwsError(ec2Error('SomethingNew', 400, { $retryable: { throttling: true } }), 'x')).toMatchObject({
      code: 'throttled',
    });
    expect(toAwsError(ec2Error('SomethingNew', 400), 'x')).toMatchObject({ code: 'invalid-config', retryable: false });
  });

  it('translates network errors, timeouts and aborts', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const abort = Object.assign(new Error('The operation was aborted'), { name: 'AbortError' });
    const timeout = Object.assign(new Error('timed out'), { name: 'TimeoutError' });
    expect(toAwsError(refused, 'x')).toMatchObject({ code: 'unavailable', retryable: true, awsCode: 'ECONNREFUSED' });
    expect(toAwsError(abort, 'x')).toMatchObject({ code: 'aborted', retryable: false });
    expect(toAwsError(timeout, 'x')).toMatchObject({ code: 'timeout', retryable: true });
    expect(toAwsError(new Error('boom'), 'x')).toMatchObject({ code: 'internal', retryable: false });
    expect(toAwsError('a string', 'x')).toMatchObject({ code: 'internal' });
  });

  it('passes an AwsError through unchanged', () => {
    const err = new AwsError('already translated', { code: 'quota' });
    expect(toAwsError(err, 'again')).toBe(err);
  });

  it('keeps the message to one short line', () => {
    const err = ec2Error('InvalidParameterValue');
    Object.assign(err, { message: `line one\nline two ${'x'.repeat(1000)}` });
    const out = toAwsError(err, 'ctx');
    expect(out.message).not.toContain('\n');
    expect(out.message.length).toBeLessThan(600);
  });
});

describe('classifyAwsErrorCode', () => {
  it('classifies CreateFleet error codes without an exception', () => {
    expect(classifyAwsErrorCode('InsufficientInstanceCapacity')).toMatchObject({ code: 'capacity', retryable: true });
    expect(classifyAwsErrorCode('IdempotentParameterMismatch')).toMatchObject({ code: 'conflict', retryable: false });
    expect(classifyAwsErrorCode(undefined)).toMatchObject({ code: 'internal', retryable: false });
  });
});

describe('toLaunchErrorCode', () => {
  it('narrows every code onto a launch error code', () => {
    expect(toLaunchErrorCode('capacity')).toBe('capacity');
    expect(toLaunchErrorCode('not-found')).toBe('invalid-config');
    expect(toLaunchErrorCode('unauthorized')).toBe('invalid-config');
    expect(toLaunchErrorCode('unavailable')).toBe('internal');
  });
});

describe('isAwsError', () => {
  it('checks the class and optionally the code', () => {
    const err = new AwsError('x', { code: 'not-found' });
    expect(isAwsError(err)).toBe(true);
    expect(isAwsError(err, 'not-found', 'conflict')).toBe(true);
    expect(isAwsError(err, 'conflict')).toBe(false);
    expect(isAwsError(new Error('x'))).toBe(false);
  });
});
