// Regenerates test/fixtures/github-openapi-extract.json: the response schemas of the GitHub REST operations that
// @ghr/sim serves (and @ghr/github calls), cut out of GitHub's published OpenAPI description (`@octokit/openapi`,
// the `ghec` description, the only one that also has the enterprise runner endpoints).
//
// `@octokit/openapi` is ~29 MB packed, so it is not a dependency of this workspace. To regenerate:
//
//   npm i --prefix /tmp/ghr-openapi -E @octokit/openapi@23.0.2 --ignore-scripts
//   pnpm --filter @ghr/sim exec tsx scripts/extract-openapi.ts --openapi /tmp/ghr-openapi/node_modules/@octokit/openapi
//
// and commit the changed extract. Tests read only the committed extract.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** operationId → the description it comes from; every operation the simulated GitHub serves. */
export const OPERATIONS: readonly string[] = [
  'apps/get-org-installation',
  'apps/get-repo-installation',
  'apps/get-installation',
  'apps/list-installations',
  'apps/create-installation-access-token',
  'apps/list-webhook-deliveries',
  'apps/get-webhook-delivery',
  'apps/redeliver-webhook-delivery',
  'actions/list-self-hosted-runners-for-repo',
  'actions/list-self-hosted-runners-for-org',
  'enterprise-admin/list-self-hosted-runners-for-enterprise',
  'actions/get-self-hosted-runner-for-repo',
  'actions/get-self-hosted-runner-for-org',
  'enterprise-admin/get-self-hosted-runner-for-enterprise',
  'actions/delete-self-hosted-runner-from-repo',
  'actions/delete-self-hosted-runner-from-org',
  'enterprise-admin/delete-self-hosted-runner-from-enterprise',
  'actions/generate-runner-jitconfig-for-repo',
  'actions/generate-runner-jitconfig-for-org',
  'actions/generate-runner-jitconfig-for-enterprise',
  'actions/create-registration-token-for-repo',
  'actions/create-registration-token-for-org',
  'enterprise-admin/create-registration-token-for-enterprise',
  'actions/create-remove-token-for-repo',
  'actions/create-remove-token-for-org',
  'enterprise-admin/create-remove-token-for-enterprise',
  'actions/list-self-hosted-runner-groups-for-org',
  'enterprise-admin/list-self-hosted-runner-groups-for-enterprise',
  'actions/get-job-for-workflow-run',
  'actions/re-run-job-for-workflow-run',
  'repos/get-latest-release',
];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

const here = dirname(fileURLToPath(import.meta.url));
const openapiDir = argument('--openapi');
if (!openapiDir) {
  process.stderr.write('Usage: tsx scripts/extract-openapi.ts --openapi <path to node_modules/@octokit/openapi> [--out <file>]\n');
  process.exit(2);
}
const out = argument('--out') ?? join(here, '../test/fixtures/github-openapi-extract.json');
const pkg = JSON.parse(readFileSync(join(resolve(openapiDir), 'package.json'), 'utf8')) as { version: string };
const description = JSON.parse(readFileSync(join(resolve(openapiDir), 'generated/ghec.json'), 'utf8')) as JsonObject;

const components = description.components as JsonObject;
const resolvePointer = (ref: string): Json => {
  const parts = ref.replace(/^#\//, '').split('/');
  let node: Json = description;
  for (const part of parts) node = (node as JsonObject)[part.replace(/~1/g, '/').replace(/~0/g, '~')] ?? null;
  return node;
};

/** Drops documentation-only keywords (not property names) and collects the component schemas referenced. */
const needed = new Set<string>();
function clean(node: Json, inProperties = false): Json {
  if (Array.isArray(node)) return node.map((item) => clean(item));
  if (node === null || typeof node !== 'object') return node;
  const result: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (!inProperties && (key === 'description' || key === 'example' || key === 'examples' || key === 'title')) {
      if (typeof value !== 'object' || value === null || key !== 'description') continue;
    }
    if (!inProperties && key.startsWith('x-')) continue;
    if (!inProperties && key === '$ref' && typeof value === 'string') {
      const match = /^#\/components\/schemas\/(.+)$/.exec(value);
      if (match?.[1] && !needed.has(match[1])) {
        needed.add(match[1]);
      }
    }
    result[key] = clean(value, !inProperties && (key === 'properties' || key === 'patternProperties'));
  }
  return result;
}

const operations: JsonObject = {};
for (const [path, item] of Object.entries(description.paths as JsonObject)) {
  for (const [method, operation] of Object.entries(item as JsonObject)) {
    const op = operation as JsonObject;
    if (typeof op !== 'object' || !OPERATIONS.includes(op.operationId as string)) continue;
    const responses: JsonObject = {};
    for (const [status, response] of Object.entries(op.responses as JsonObject)) {
      let res = response as JsonObject;
      if (typeof res.$ref === 'string') res = resolvePointer(res.$ref) as JsonObject;
      const schema = ((res.content as JsonObject | undefined)?.['application/json'] as JsonObject | undefined)?.schema;
      responses[status] = schema === undefined ? null : clean(schema);
    }
    operations[op.operationId as string] = { method: method.toUpperCase(), path, responses };
  }
}
const missing = OPERATIONS.filter((id) => !(id in operations));
if (missing.length > 0) {
  process.stderr.write(`Operations not found in the ghec description: ${missing.join(', ')}\n`);
  process.exit(1);
}

const schemas: JsonObject = {};
const queue = [...needed];
while (queue.length > 0) {
  const name = queue.shift() as string;
  const before = new Set(needed);
  schemas[name] = clean(((components.schemas as JsonObject)[name] ?? null) as Json);
  for (const added of needed) if (!before.has(added)) queue.push(added);
}
const sortedSchemas = Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b)));

const extract = {
  $comment: 'Generated by scripts/extract-openapi.ts from @octokit/openapi (ghec description). Do not edit by hand.',
  source: { package: '@octokit/openapi', version: pkg.version, description: 'ghec', openapi: description.openapi },
  operations,
  components: { schemas: sortedSchemas },
};
writeFileSync(out, `${JSON.stringify(extract, null, 1)}\n`);
process.stdout.write(`Wrote ${Object.keys(operations).length} operations and ${Object.keys(sortedSchemas).length} schemas to ${out}\n`);
