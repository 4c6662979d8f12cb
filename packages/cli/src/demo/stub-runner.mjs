#!/usr/bin/env node
// A stand-in for GitHub's actions/runner, for `ghr demo` and tests against the simulated GitHub: it reads its JIT
// config from ACTIONS_RUNNER_INPUT_JITCONFIG (as `run.sh --jitconfig` does), decodes it, connects to the server it
// names, runs the job it is given until the job completes, and exits (an ephemeral runner: one job, then gone).
// Plain JavaScript with Node built-ins only, so that it starts as fast as a process can.
const encoded = process.env.ACTIONS_RUNNER_INPUT_JITCONFIG;
if (!encoded) {
  process.stderr.write('stub-runner: ACTIONS_RUNNER_INPUT_JITCONFIG is not set: start me with a JIT config.\n');
  process.exit(2);
}

function decode(text) {
  const outer = JSON.parse(Buffer.from(text, 'base64').toString('utf8'));
  const runner = JSON.parse(Buffer.from(outer['.runner'], 'base64').toString('utf8'));
  return { id: runner.AgentId, name: runner.AgentName, serverUrl: new URL(String(runner.ServerUrl)).origin };
}

let config;
try {
  config = decode(encoded);
} catch {
  process.stderr.write('stub-runner: the JIT config cannot be decoded.\n');
  process.exit(2);
}

let stopping = false;
// On SIGTERM a runner ends its session with the server (it goes offline; its registration stays until deleted).
process.on('SIGTERM', () => {
  stopping = true;
  process.stdout.write(`${new Date().toISOString()} ${config.name}: received SIGTERM; disconnecting and exiting\n`);
  fetch(`${config.serverUrl}/_sim/runners/${config.id}/disconnect`, { method: 'POST', signal: AbortSignal.timeout(1_000) })
    .catch(() => undefined)
    .finally(() => process.exit(0));
});

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (text) => process.stdout.write(`${new Date().toISOString()} ${config.name}: ${text}\n`);

async function call(method, path, body) {
  const response = await fetch(`${config.serverUrl}${path}`, {
    method,
    signal: AbortSignal.timeout(10_000),
    headers: body === undefined ? undefined : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${await response.text()}`);
  return response.json();
}

log(`starting; connecting to ${config.serverUrl}`);
for (let attempt = 1; ; attempt++) {
  try {
    await call('POST', '/_sim/runners/connect', { encodedJitConfig: encoded });
    break;
  } catch (error) {
    process.stderr.write(`stub-runner: connecting to ${config.serverUrl} failed (attempt ${attempt}): ${error.message}\n`);
    // A refusal (4xx) is final; a timeout or a network error is tried again, as the real runner does.
    if (/HTTP 4\d\d/.test(error.message) || attempt >= 5) process.exit(1);
    await sleep(500 * attempt);
  }
}
log(`connected to ${config.serverUrl} as runner ${config.id}; listening for jobs`);

let job;
let failures = 0;
while (!stopping) {
  await sleep(200);
  let runners;
  try {
    runners = await call('GET', '/_sim/runners');
    failures = 0;
  } catch (error) {
    if (++failures >= 25) {
      process.stderr.write(`stub-runner: lost the server: ${error.message}\n`);
      process.exit(1);
    }
    continue;
  }
  const me = runners.find((r) => r.id === config.id);
  if (!me) {
    // An ephemeral runner's registration goes when its job completes (or when it was deleted).
    log(job === undefined ? 'registration removed before any job; exiting' : `job ${job} completed; exiting`);
    process.exit(0);
  }
  if (me.status === 'offline') {
    log('the server took this runner offline; exiting');
    process.exit(1);
  }
  if (me.busy && me.jobId !== undefined && me.jobId !== job) {
    job = me.jobId;
    log(`running job ${job}`);
  }
}
