// Sums Vitest JSON reports into one plain closing line, `tests: N passed, M failed`.
// Exits 1 when any test or test file failed, or when no test ran at all.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2] ?? 'reports/vitest';
let passed = 0;
let failed = 0;
let skipped = 0;
const broken = [];
for (const file of existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')).sort() : []) {
  const report = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  passed += report.numPassedTests ?? 0;
  failed += report.numFailedTests ?? 0;
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  for (const suite of report.testResults ?? []) {
    // A file that failed to load or whose hooks failed has no failed assertion; count it as one failure.
    if (suite.status === 'failed' && !(suite.assertionResults ?? []).some((a) => a.status === 'failed')) {
      failed += 1;
      broken.push(`${file}: ${suite.name}: ${(suite.message ?? '').split('\n')[0]}`);
    }
  }
}
for (const line of broken) console.log(`failed to run: ${line}`);
if (passed + failed === 0) console.log('no test ran: every package must have tests');
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
