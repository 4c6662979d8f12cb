// A sandbox for the runner bootstrap: stub `aws`, `curl`, `shutdown`, `sudo`, `useradd`, `chown` and `uname` on
// PATH, a fake runner tarball whose run.sh records its argv and environment, and a scan for leaked secrets.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** How the sandbox's world behaves. */
export interface SandboxWorld {
  /** The hand-off value; undefined = never written. */
  readonly secret?: string;
  /** get-parameter calls that answer ParameterNotFound before the value appears (scale-up still writing). */
  readonly secretAfterCalls?: number;
  /** IMDS calls for the tag that answer 404 before it appears. */
  readonly tagAfterCalls?: number;
  readonly runnerName?: string;
  /** The runner's exit status. */
  readonly runnerExit?: number;
  /** What the S3 metadata claims; default the tarball's real sha256. */
  readonly sha256?: string;
  /** Extra environment for the script. */
  readonly env?: Readonly<Record<string, string>>;
}

/** What a run left behind. */
export interface SandboxRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly dir: string;
  /** Lines `<command> <args>` of every stubbed command, in order. */
  readonly calls: readonly string[];
  readonly shutdown: boolean;
  /** argv of run.sh (JSON), or undefined when it never ran. */
  readonly runnerArgv?: readonly string[];
  /** Environment of run.sh (NAME=value lines), or undefined. */
  readonly runnerEnv?: Readonly<Record<string, string>>;
  /** Environment of config.sh (registration hand-offs), or undefined. */
  readonly configEnv?: string;
  /** Files left in the sandbox (relative paths), the runner's own records excluded. */
  readonly files: readonly string[];
  /** Every place the secret showed up, other than the runner's environment. */
  leaks(secret: string): string[];
  cleanup(): void;
}

const STUBS: Readonly<Record<string, string>> = {
  aws: `log aws "$@"
case "$1 $2" in
  "s3api head-object") cat "$SB/s3/sha256" ;;
  "s3 cp") for last; do :; done; cp "$SB/s3/actions-runner.tar.gz" "$last" ;;
  "ssm get-parameter")
    n=$(( $(cat "$SB/state/ssm-calls" 2>/dev/null || echo 0) + 1 )); echo "$n" >"$SB/state/ssm-calls"
    if [ -f "$SB/ssm/value" ] && [ "$n" -gt "$(cat "$SB/ssm/after")" ]; then cat "$SB/ssm/value"; echo; exit 0; fi
    echo "An error occurred (ParameterNotFound) when calling the GetParameter operation" >&2; exit 254 ;;
  "ssm delete-parameter") rm -f "$SB/ssm/value"; echo deleted >"$SB/state/deleted" ;;
  *) echo "aws stub: unexpected $*" >&2; exit 2 ;;
esac`,
  curl: `log curl "$@"
url=""; put=0; token=0
for a; do case "$a" in http*) url="$a" ;; PUT) put=1 ;; X-aws-ec2-metadata-token:\\ tok) token=1 ;; esac; done
if [ "$put" = 1 ]; then printf tok; exit 0; fi
[ "$token" = 1 ] || exit 22
case "$url" in
  */placement/region) printf us-east-1 ;;
  */tags/instance/ghr:runner)
    n=$(( $(cat "$SB/state/tag-calls" 2>/dev/null || echo 0) + 1 )); echo "$n" >"$SB/state/tag-calls"
    if [ -f "$SB/imds/runner" ] && [ "$n" -gt "$(cat "$SB/imds/after")" ]; then cat "$SB/imds/runner"; exit 0; fi
    exit 22 ;;
  *) exit 22 ;;
esac`,
  shutdown: `log shutdown "$@"; echo yes >"$SB/state/shutdown"`,
  useradd: `log useradd "$@"`,
  chown: `log chown "$@"`,
  uname: `[ "$1" = "-m" ] && echo x86_64 || echo Linux`,
  // Like sudo's env_reset: only PATH, HOME and the variables named by --preserve-env reach the command.
  sudo: `log sudo "$@"
keep=()
while [ $# -gt 0 ]; do
  case "$1" in
    --preserve-env=*) IFS=, read -r -a names <<<"\${1#--preserve-env=}"; for v in "\${names[@]}"; do keep+=("$v=\${!v}"); done; shift ;;
    -u) shift 2 ;;
    --) shift; break ;;
    *) break ;;
  esac
done
exec env -i "PATH=$PATH" "HOME=$SB/home" "\${keep[@]}" "$@"`,
};

function stub(sb: string, body: string): string {
  return `#!/bin/bash\nSB='${sb}'\nlog() { local c="$1"; shift; printf '%s %s\\n' "$c" "$*" >>"$SB/state/calls"; }\n${body}\n`;
}

function walk(dir: string, base = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const rel = base ? `${base}/${name}` : name;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...walk(path, rel));
    else out.push(rel);
  }
  return out;
}

/** The fake runner: records argv and environment, exits with the status in `$SB/runner-exit`. */
function fakeRunnerTarball(sb: string): Buffer {
  const src = join(sb, 'tarball-src');
  mkdirSync(src, { recursive: true });
  const record = `#!/bin/bash\nnode -e 'process.stdout.write(JSON.stringify(process.argv.slice(1)))' -- "$0" "$@" >'${sb}/record/argv'\nenv >'${sb}/record/env'\nexit "$(cat '${sb}/runner-exit')"\n`;
  writeFileSync(join(src, 'run.sh'), record);
  writeFileSync(join(src, 'config.sh'), `#!/bin/bash\nenv >'${sb}/record/config-env'\nexit 0\n`);
  // The runner ships its own Node.js under externals/: here, the test's node.
  mkdirSync(join(src, 'externals', 'node20', 'bin'), { recursive: true });
  writeFileSync(join(src, 'externals', 'node20', 'bin', 'node'), `#!/bin/bash\nexec '${process.execPath}' "$@"\n`);
  chmodSync(join(src, 'externals', 'node20', 'bin', 'node'), 0o755);
  chmodSync(join(src, 'run.sh'), 0o755);
  chmodSync(join(src, 'config.sh'), 0o755);
  const tar = spawnSync('tar', ['-czf', join(sb, 's3', 'actions-runner.tar.gz'), '-C', src, '.']);
  if (tar.status !== 0) throw new Error(`tar failed: ${tar.stderr.toString()}`);
  rmSync(src, { recursive: true });
  return readFileSync(join(sb, 's3', 'actions-runner.tar.gz'));
}

/**
 * Runs `script` with bash in a fresh sandbox and collects what it did.
 *
 * @example
 * ```ts
 * const run = runInSandbox(script, { secret: 'eyIu...' });
 * ```
 */
export function runInSandbox(script: string, world: SandboxWorld, options: { readonly trace?: boolean } = {}): SandboxRun {
  const sb = mkdtempSync(join(tmpdir(), 'ghr-bootstrap-'));
  for (const d of ['bin', 'state', 's3', 'ssm', 'imds', 'record', 'home', 'tmp', 'runner']) mkdirSync(join(sb, d));
  for (const [name, body] of Object.entries(STUBS)) {
    writeFileSync(join(sb, 'bin', name), stub(sb, body));
    chmodSync(join(sb, 'bin', name), 0o755);
  }
  const tarball = fakeRunnerTarball(sb);
  writeFileSync(join(sb, 's3', 'sha256'), `${world.sha256 ?? createHash('sha256').update(tarball).digest('hex')}\n`);
  if (world.secret !== undefined) writeFileSync(join(sb, 'ssm', 'value'), world.secret);
  writeFileSync(join(sb, 'ssm', 'after'), String(world.secretAfterCalls ?? 0));
  writeFileSync(join(sb, 'imds', 'runner'), world.runnerName ?? 'ghr-linux-0001');
  writeFileSync(join(sb, 'imds', 'after'), String(world.tagAfterCalls ?? 0));
  writeFileSync(join(sb, 'runner-exit'), String(world.runnerExit ?? 0));
  // A runner directory of 'RUNNER_DIR' means: inside the sandbox.
  writeFileSync(join(sb, 'user-data.sh'), script.replaceAll("'RUNNER_DIR'", `'${join(sb, 'runner')}'`));
  const result = spawnSync('bash', [...(options.trace ? ['-x'] : []), join(sb, 'user-data.sh')], {
    cwd: sb,
    env: {
      PATH: `${join(sb, 'bin')}:${process.env['PATH'] ?? ''}`,
      HOME: join(sb, 'home'),
      TMPDIR: join(sb, 'tmp'),
      GHR_IMDS: 'http://imds.invalid',
      GHR_POLL_SECONDS: '0',
      GHR_POLL_ATTEMPTS: '5',
      ...world.env,
    },
    timeout: 30_000,
    encoding: 'utf8',
  });
  const read = (p: string): string | undefined => (existsSync(join(sb, p)) ? readFileSync(join(sb, p), 'utf8') : undefined);
  const argv = read('record/argv');
  const env = read('record/env');
  // The runner's own records of its environment, the script, and the SSM parameter itself are not instance files.
  const own = new Set(['record/env', 'record/config-env', 'user-data.sh', 'ssm/value']);
  const files = walk(sb).filter((f) => !own.has(f));
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    dir: sb,
    calls: (read('state/calls') ?? '').split('\n').filter(Boolean),
    shutdown: existsSync(join(sb, 'state', 'shutdown')),
    ...(argv !== undefined ? { runnerArgv: JSON.parse(argv) as string[] } : {}),
    ...(env !== undefined
      ? { runnerEnv: Object.fromEntries(env.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)])) }
      : {}),
    ...(read('record/config-env') !== undefined ? { configEnv: read('record/config-env') } : {}),
    files,
    leaks(secret: string): string[] {
      const found: string[] = [];
      if (result.stdout.includes(secret)) found.push('stdout');
      if (result.stderr.includes(secret)) found.push('stderr');
      for (const f of files) if (readFileSync(join(sb, f)).includes(secret)) found.push(f);
      return found;
    },
    cleanup: () => rmSync(sb, { recursive: true, force: true }),
  };
}
