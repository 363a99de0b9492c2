import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { CancelledError, MissingToolError, StageError } from '../util/errors.js';
import { DETACH_CHILDREN, killGroup, trackGroup, untrackGroup } from './processes.js';
import { faultPoint } from '../util/faults.js';
import { formatCommand, redact } from './redact.js';

/** An external program: how to call it and how a user gets it. */
export interface Tool {
  /** Name in messages, e.g. "go". */
  name: string;
  /** Executable looked up on PATH (or an absolute path). */
  command: string;
  /** What a user runs to install it, shown when it is missing. */
  install: string;
}

export interface RunSpec {
  tool: Tool;
  args: readonly string[];
  cwd?: string;
  /** Extra environment, shown in printed command lines. */
  env?: Readonly<Record<string, string>>;
  /** Variables this child must not inherit (the proxy settings of a tool pointed at our loopback relay). */
  unsetEnv?: readonly string[];
  /** Kill the whole process tree after this long. Every call has one: the tools we drive have none. */
  timeoutMs?: number;
  input?: string | Uint8Array;
  /** Strings to redact from anything we print or put into an error, on top of the runner's. */
  secrets?: readonly string[];
  /** What the command is for, used in errors ("windows/arm64"). */
  subject?: string;
  signal?: AbortSignal;
  /**
   * A query that changes nothing (git facts, `go env`). It runs even in --dry-run, so the
   * printed commands carry the real version and dates, and it is not part of the listing.
   */
  readOnly?: boolean;
  /** Exit codes that are not failures (a tool that reports findings through its exit code). */
  okExitCodes?: readonly number[];
}

export interface RunResult {
  exitCode: number;
  /** Output with the run's secrets replaced by ***: safe to show. */
  stdout: string;
  stderr: string;
  /**
   * The output as the tool wrote it, for parsers only: redaction is a substring replace, so a
   * short secret such as "256" would turn "sha256" into "sha***" and change what a parser reads.
   * Never put it in a message as it is.
   */
  raw: { stdout: string; stderr: string };
  durationMs: number;
  dryRun: boolean;
}

export class ToolFailedError extends StageError {
  override name = 'ToolFailedError';
  constructor(
    message: string,
    readonly commandLine: string,
    readonly toolExitCode: number | undefined,
    readonly stdout: string,
    readonly stderr: string,
    readonly timedOut = false,
    raw: { stdout: string; stderr: string } = { stdout, stderr },
  ) {
    super(message, [stderr.trim(), stdout.trim()].filter(Boolean).join('\n'));
    this.#raw = raw;
  }

  // A private field: never enumerated, so never serialised with the error.
  readonly #raw: { stdout: string; stderr: string };

  /** Unredacted output, for parsers only (see RunResult.raw). */
  get raw(): { stdout: string; stderr: string } {
    return this.#raw;
  }
}

const DEFAULT_TIMEOUT_MS = 30 * 60_000;
export interface RunnerOptions {
  dryRun: boolean;
  signal: AbortSignal;
  /** Called with each (redacted) command line before it runs, or instead of running it. */
  onCommand?: (line: string, spec: RunSpec) => void;
  /** Secrets known for the whole run (from config/environment). */
  secrets?: readonly string[];
}

/**
 * The one place where external programs start. Adapters in src/tools/ build argv and call
 * `run`; nothing else spawns processes, so dry runs, timeouts, cancellation and redaction
 * hold everywhere.
 */
export class ToolRunner {
  private readonly secrets: string[];
  constructor(private readonly options: RunnerOptions) {
    this.secrets = [...(options.secrets ?? [])];
  }

  get dryRun(): boolean {
    return this.options.dryRun;
  }

  addSecret(secret: string): void {
    if (secret) this.secrets.push(secret);
  }

  private readonly scrubbed = new Set<string>();

  /** Keep an environment variable (one holding a secret) out of every child's environment. */
  scrubEnv(name: string): void {
    this.scrubbed.add(name);
  }

  redact(text: string, extra: readonly string[] = []): string {
    return redact(text, [...this.secrets, ...extra]);
  }

  commandLine(spec: RunSpec): string {
    // Each value is redacted before it is quoted: quoting rewrites a ' inside a secret, which
    // would then no longer match.
    const hide = (value: string) => this.redact(value, spec.secrets);
    const env = Object.fromEntries(Object.entries(spec.env ?? {}).map(([k, v]) => [k, hide(v)]));
    return formatCommand([spec.tool.command, ...spec.args].map(hide), env);
  }

  async run(spec: RunSpec): Promise<RunResult> {
    const line = this.commandLine(spec);
    if (!spec.readOnly) this.options.onCommand?.(line, spec);
    if (this.options.dryRun && !spec.readOnly) return { exitCode: 0, stdout: '', stderr: '', raw: { stdout: '', stderr: '' }, durationMs: 0, dryRun: true };

    // This call's own signal: every tool running at once listens on its own, not on the run's
    // (AbortSignal.any adds no listener to its sources).
    const signal = AbortSignal.any([this.options.signal, spec.signal].filter((s): s is AbortSignal => !!s));
    if (signal.aborted) throw new CancelledError();

    const started = performance.now();
    const timeoutMs = spec.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const child = startChild(spec, this.scrubbed);
    const pid = child.pid;
    if (pid !== undefined) trackGroup(pid);
    // The command line as printed: redacted. The tests' fault points (src/util/faults.ts).
    const paused = faultPoint(`spawn ${line}`, signal);
    let timedOut = false;
    let cancelled = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (pid !== undefined) killGroup(pid);
    }, timeoutMs);
    const onAbort = () => {
      cancelled = true;
      if (pid !== undefined) killGroup(pid);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await paused.catch(async (err: unknown) => {
        await child.done; // killed by onAbort: gone before the run reports the cancellation
        throw err;
      });
      const result = await child.done;
      const durationMs = performance.now() - started;
      const raw = { stdout: result.stdout, stderr: result.stderr };
      const stdout = this.redact(raw.stdout, spec.secrets);
      const stderr = this.redact(raw.stderr, spec.secrets);
      if (cancelled) throw new CancelledError(`${spec.tool.name} was stopped: run cancelled`);
      // ENOENT also means a working folder that is not there (another run removed it): only
      // when that is not so is the program "not installed".
      if (result.spawnError?.code === 'ENOENT' && spec.cwd !== undefined && !existsSync(spec.cwd)) {
        throw new ToolFailedError(`${spec.tool.name}${spec.subject ? ` (${spec.subject})` : ''} could not be started: its working folder ${spec.cwd} does not exist: ${line}`, line, undefined, stdout, stderr, false, raw);
      }
      if (result.spawnError?.code === 'ENOENT') throw new MissingToolError(spec.tool.name, spec.tool.install);
      if (result.spawnError) {
        throw new ToolFailedError(`${spec.tool.name}${spec.subject ? ` (${spec.subject})` : ''} could not be started (${result.spawnError.code ?? result.spawnError.message}): ${line}`, line, undefined, stdout, stderr, false, raw);
      }
      if (timedOut) {
        throw new ToolFailedError(
          `${spec.tool.name}${spec.subject ? ` (${spec.subject})` : ''} did not finish within ${Math.round(timeoutMs / 1000)} s and was stopped: ${line}`,
          line,
          undefined,
          stdout,
          stderr,
          true,
          raw,
        );
      }
      if (result.overflow) {
        throw new ToolFailedError(`${spec.tool.name}${spec.subject ? ` (${spec.subject})` : ''} wrote more than ${MAX_OUTPUT_BYTES / 1024 / 1024} MB of output and was stopped: ${line}`, line, undefined, stdout, stderr, false, raw);
      }
      const exitCode = result.exitCode ?? -1;
      if (exitCode !== 0 && !(result.exitCode !== null && spec.okExitCodes?.includes(result.exitCode))) {
        const how = result.signal ? `was killed by ${result.signal}` : `exited with code ${exitCode}`;
        throw new ToolFailedError(
          `${spec.tool.name}${spec.subject ? ` (${spec.subject})` : ''} ${how}: ${line}`,
          line,
          result.exitCode ?? undefined,
          stdout,
          stderr,
          false,
          raw,
        );
      }
      return { exitCode, stdout, stderr, raw, durationMs, dryRun: false };
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      if (pid !== undefined) untrackGroup(pid);
    }
  }
}

/** Most output kept per stream; a tool that writes more is stopped (a sane tool writes KiBs). */
const MAX_OUTPUT_BYTES = 512 * 1024 * 1024;

interface ChildOutcome {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The program could not be started (ENOENT: not installed). */
  spawnError?: NodeJS.ErrnoException;
  /** It wrote more than MAX_OUTPUT_BYTES on one stream. */
  overflow: boolean;
}

/**
 * Start the program (no shell: argv goes to it as given) and collect what it writes. Node's own
 * child_process, not execa: this module is loaded by every command, and execa took ~50 ms of a
 * release's start-up for the little of it we used.
 */
function startChild(spec: RunSpec, scrubbed: ReadonlySet<string>): { pid: number | undefined; done: Promise<ChildOutcome> } {
  const env: NodeJS.ProcessEnv = { ...process.env, ...spec.env };
  // Windows variable names are case-insensitive: a secret in Winship_Pfx_Password goes too.
  const fold = (name: string) => (process.platform === 'win32' ? name.toUpperCase() : name);
  const hidden = new Set([...scrubbed, ...(spec.unsetEnv ?? [])].map(fold));
  for (const name of Object.keys(env)) if (hidden.has(fold(name))) delete env[name];
  let child: ReturnType<typeof spawn>;
  try {
    child = spawn(spec.tool.command, [...spec.args], {
      cwd: spec.cwd,
      env,
      detached: DETACH_CHILDREN,
      windowsHide: true,
      stdio: [spec.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
  } catch (err) {
    // Refused before it started (Windows: EINVAL for a .cmd or .bat without a shell).
    return { pid: undefined, done: Promise.resolve({ exitCode: null, signal: null, stdout: '', stderr: '', spawnError: err as NodeJS.ErrnoException, overflow: false }) };
  }
  const done = new Promise<ChildOutcome>((resolve) => {
    const chunks: { stdout: Buffer[]; stderr: Buffer[] } = { stdout: [], stderr: [] };
    const sizes = { stdout: 0, stderr: 0 };
    let overflow = false;
    let spawnError: NodeJS.ErrnoException | undefined;
    const collect = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      sizes[stream] += chunk.length;
      if (sizes[stream] > MAX_OUTPUT_BYTES) {
        if (!overflow && child.pid !== undefined) killGroup(child.pid);
        overflow = true;
        return;
      }
      chunks[stream].push(chunk);
    };
    child.stdout!.on('data', collect('stdout'));
    child.stderr!.on('data', collect('stderr'));
    child.on('error', (err: NodeJS.ErrnoException) => {
      spawnError ??= err;
      // A program that never started emits no 'close'.
      if (child.pid === undefined) resolve({ exitCode: null, signal: null, stdout: '', stderr: '', spawnError, overflow });
    });
    child.on('close', (exitCode, signal) => {
      const text = (parts: Buffer[]) => Buffer.concat(parts).toString('utf8');
      resolve({ exitCode, signal, stdout: text(chunks.stdout), stderr: text(chunks.stderr), ...(spawnError ? { spawnError } : {}), overflow });
    });
    if (spec.input !== undefined) {
      // A tool that exits without reading its input closes the pipe: not our failure.
      child.stdin!.on('error', () => undefined);
      child.stdin!.end(spec.input);
    }
  });
  return { pid: child.pid, done };
}
