// Runs every benchmark (or those named on the command line) and prints their figures.
// Figures come from a shared, noisy machine: compare ratios within one run, not absolute numbers across runs.
const benches: Record<string, () => Promise<void>> = {
  plan: async () => (await import('./plan.bench.js')).planBench(),
  webhook: async () => (await import('./webhook.bench.js')).run(),
  simulate: async () => (await import('./simulate.bench.js')).simulateBench(),
  'aws-ledger': async () => (await import('./aws-ledger.bench.js')).run(),
  'aws-launch': async () => (await import('./aws-launch.bench.js')).run(),
  lambdas: async () => (await import('./lambdas.bench.js')).run(),
  'lambda-webhook': async () => (await import('./lambda-webhook.bench.js')).run(),
  'local-store': async () => (await import('./local-store.bench.js')).run(),
  'core-import': async () => (await import('./core-import.bench.js')).run(),
};

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !(name in benches));
if (unknown.length > 0) {
  console.error(`Unknown benchmark(s): ${unknown.join(', ')}. Known: ${Object.keys(benches).join(', ')}.`);
  process.exit(2);
}
for (const [name, run] of Object.entries(benches)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  console.log(`\n## ${name}`);
  await run();
}
