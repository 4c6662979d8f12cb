// `pnpm bench` from the repository root: runs src/run.ts through tsx against the built packages (dist/).
// Build first: `pnpm --filter @ghr/core build`. Extra arguments name the benchmarks to run (`pnpm bench plan`).
import { spawnSync } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/run.ts', ...process.argv.slice(2)], { cwd: here, stdio: 'inherit' });
process.exit(result.status ?? 1);
