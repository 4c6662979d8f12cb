// Build step of @ghr/cdk: copies the Lambda bundles of apps/lambdas (dist/<handler>/index.mjs) into dist/lambda,
// the construct's default `lambdaCode`. Copying files is not an import: @ghr/cdk never depends on handler code.
import { cpSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const source = join(here, '..', '..', '..', 'apps', 'lambdas', 'dist');
const target = join(here, '..', 'dist', 'lambda');
if (existsSync(source)) {
  cpSync(source, target, { recursive: true, filter: (path) => !path.endsWith('.map') });
  process.stderr.write(`@ghr/cdk: copied the Lambda bundles from ${source} to ${target}\n`);
} else {
  process.stderr.write(`@ghr/cdk: no Lambda bundles at ${source} (build apps/lambdas first); GitHubRunners then needs its lambdaCode prop\n`);
}
