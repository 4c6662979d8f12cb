// Verification of GitHub App JWTs (RS256), with node:crypto only, as GitHub checks them: signature, `iss` (the
// App id or client id), `iat` not in the future (60 s skew allowed), `exp` in the future and at most 10 minutes
// after `iat`.
import { createPublicKey, createVerify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { SimError } from '../errors.js';

const decodeSegment = (segment: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as Record<string, unknown>;

/** Turns a PEM (public key, or private key whose public half is used) into a verification key. */
export function verificationKey(pem: string): KeyObject {
  return createPublicKey(pem);
}

/**
 * Verifies a GitHub App JWT; throws a 401 `SimError` with GitHub's kind of message when it is not acceptable.
 *
 * @example
 * ```ts
 * verifyAppJwt(token, verificationKey(privateKeyPem), { appId: 1, clientId: 'Iv1.x', now: Date.now() });
 * ```
 */
export function verifyAppJwt(
  token: string,
  key: KeyObject,
  expected: { readonly appId: number; readonly clientId: string; readonly now: number },
): void {
  const parts = token.split('.');
  if (parts.length !== 3) throw new SimError('A JSON web token could not be decoded', { code: 'unauthorized' });
  const [headerSegment, payloadSegment, signature] = parts as [string, string, string];
  let header: Record<string, unknown>;
  let payload: Record<string, unknown>;
  try {
    header = decodeSegment(headerSegment);
    payload = decodeSegment(payloadSegment);
  } catch (cause) {
    throw new SimError('A JSON web token could not be decoded', { code: 'unauthorized', cause });
  }
  if (header.alg !== 'RS256') throw new SimError('A JSON web token could not be decoded', { code: 'unauthorized' });
  const valid = createVerify('RSA-SHA256').update(`${headerSegment}.${payloadSegment}`).verify(key, Buffer.from(signature, 'base64url'));
  if (!valid) {
    throw new SimError(
      "'Issuer' claim ('iss') must be an Integer or a String; or the JWT signature could not be verified with the App's public key",
      { code: 'unauthorized' },
    );
  }
  const iss = payload.iss;
  if (String(iss) !== String(expected.appId) && iss !== expected.clientId) {
    throw new SimError('Integration not found', { code: 'unauthorized' });
  }
  const now = Math.floor(expected.now / 1000);
  const iat = payload.iat;
  const exp = payload.exp;
  if (typeof iat !== 'number' || iat > now + 60) {
    throw new SimError("'Issued at' claim ('iat') must be an Integer representing a time in the past", { code: 'unauthorized' });
  }
  if (typeof exp !== 'number' || exp <= now) {
    throw new SimError("'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires", {
      code: 'unauthorized',
    });
  }
  if (exp - iat > 600) {
    throw new SimError("'Expiration time' claim ('exp') is too far in the future", { code: 'unauthorized' });
  }
}
