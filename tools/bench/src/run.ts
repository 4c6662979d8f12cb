// Runs every benchmark (or those named on the command line) and prints their figures.
// Figures come from a shared, noisy machine: compare ratios within one run, not absolute numbers across runs.
const benches: Record<string, () => Promise<void>> = {};
benches.webhook = async () => (await import('./webhook.bench.js')).run();
benches.simulate = async () => (await import('./simulate.bench.js')).simulateBench();

const wanted = process.argv.slice(2);
for (const [name, run] of Object.entries(benches)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  console.log(`\n## ${name}`);
  await run();
}
