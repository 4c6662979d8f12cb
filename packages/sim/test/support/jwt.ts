import { createSign } from 'node:crypto';

/** Signs a GitHub App JWT (RS256) as @octokit/auth-app does: iat 60 s in the past, exp 10 minutes later. */
export function appJwt(privateKey: string, appId: number | string, now = Date.now(), overrides: Record<string, unknown> = {}): string {
  const iat = Math.floor(now / 1000) - 60;
  const header = Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT' })).toString('base64url');
  const payload = Buffer.from(JSON.stringify({ iat, exp: iat + 600, iss: appId, ...overrides })).toString('base64url');
  const signature = createSign('RSA-SHA256').update(`${header}.${payload}`).sign(privateKey).toString('base64url');
  return `${header}.${payload}.${signature}`;
}
