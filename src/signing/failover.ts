// Sign one file, failing over between time-stamp servers, independent of the signing tool.
//
// Neither osslsigncode nor signtool has a timeout, a retry or a delay (domain notes §3), so this
// loop owns all three: each attempt runs under its own deadline (its AbortSignal fires, and the
// runner kills the tool's process group), servers are tried in ranked order as the shared
// ServerLimiter allows, and after a round in which every server failed it waits
// backoffMs·2^round before the next round, up to `retries` extra rounds.

import { CancelledError, MissingToolError, StageError } from '../util/errors.js';
import type { ServerLimiter } from './limiter.js';
import { sleep } from '../util/sleep.js';

export interface SignAttempt {
  /** The server as configured (see displayServer for messages). */
  server: string;
  outcome: 'ok' | 'timeout' | 'failed';
  /** What happened, one line ("" when ok). */
  detail: string;
  /** Wall time of the attempt, not counting the wait for the server's slot. */
  ms: number;
}

export interface FailoverOptions {
  file: string;
  /** Ranked: best first. Duplicates are ignored. */
  servers: readonly string[];
  /**
   * Sign (and check) `file` once using `server`. Throw to fail the attempt; throw
   * PermanentSigningError when another server cannot help (bad password, expired certificate).
   * Must stop when `signal` aborts (the runner does this for external programs).
   */
  attemptOnce: (server: string, signal: AbortSignal) => Promise<void>;
  /** Deadline of one attempt. */
  timeoutMs: number;
  /** Extra rounds after the first. */
  retries: number;
  /** Wait before round r+1 is backoffMs·2^r. */
  backoffMs: number;
  limiter: ServerLimiter;
  signal: AbortSignal;
  /** Told about every finished attempt (for progress lines). */
  onAttempt?: (attempt: SignAttempt) => void;
  /** How long a stopped attempt may take to wind down before we move on regardless (default 5 s). */
  stopGraceMs?: number;
}

export interface FailoverResult {
  server: string;
  attempts: SignAttempt[];
}

/** Thrown by an attempt when trying another server cannot help. */
export class PermanentSigningError extends StageError {
  override name = 'PermanentSigningError';
}

/** The file could not be signed: every attempt, and what to try next. */
export class SigningFailedError extends StageError {
  override name = 'SigningFailedError';
  constructor(
    readonly file: string,
    readonly attempts: readonly SignAttempt[],
    /** Set when an attempt proved that no server can help. */
    readonly permanent?: string,
  ) {
    super(describeFailure(file, attempts, permanent), formatAttempts(attempts));
  }
}

/** The URL without user name, password and query values (a TSA account or token may be in them). */
export function displayServer(server: string): string {
  try {
    const url = new URL(server);
    if (!url.username && !url.password && !url.search) return server;
    url.username = '';
    url.password = '';
    const names = [...url.searchParams.keys()];
    url.search = '';
    return names.length ? `${url.toString()}?${names.map((n) => `${encodeURIComponent(n)}=***`).join('&')}` : url.toString();
  } catch {
    return server;
  }
}

function formatAttempts(attempts: readonly SignAttempt[]): string {
  return attempts
    .map((a, i) => {
      const what = a.outcome === 'ok' ? 'ok' : a.outcome === 'timeout' ? `timed out: ${a.detail}` : `failed: ${a.detail}`;
      return `  ${i + 1}. ${displayServer(a.server)}: ${what} (${a.ms} ms)`;
    })
    .join('\n');
}

function describeFailure(file: string, attempts: readonly SignAttempt[], permanent: string | undefined): string {
  if (permanent !== undefined) {
    return [
      `Could not sign ${file}: ${permanent}`,
      formatAttempts(attempts),
      'This is not a time-stamp server problem, so no other server was tried: check the signing certificate ' +
        '(validity dates, trust chain), its password or PIN, and that the file is a PE (.exe/.dll), MSI or MSIX.',
    ].join('\n');
  }
  const servers = new Set(attempts.map((a) => a.server)).size;
  const timeouts = attempts.filter((a) => a.outcome === 'timeout').length;
  return [
    `Could not sign ${file} with a valid timestamp: all ${attempts.length} attempts on ${servers} time-stamp server${servers === 1 ? '' : 's'} failed:`,
    formatAttempts(attempts),
    'Next: check that this machine can reach the servers (proxy, firewall) and run the release again later; ' +
      'add more RFC 3161 servers to the time-stamp server list in release.yaml (for example http://timestamp.digicert.com, ' +
      'http://timestamp.sectigo.com, http://timestamp.globalsign.com/tsa/r6advanced1)' +
      (timeouts > 0 ? ', or raise the signing timeout if the servers are only slow.' : '.'),
  ].join('\n');
}

export async function signWithFailover(options: FailoverOptions): Promise<FailoverResult> {
  const servers = [...new Set(options.servers)];
  if (servers.length === 0) {
    throw new StageError(`Cannot sign ${options.file}: no time-stamp servers are configured (add some to release.yaml).`);
  }
  // This file's own signal: the waits below listen on it, not on the caller's, which many
  // files signed at once may share (AbortSignal.any adds no listener to its source).
  const signal = AbortSignal.any([options.signal]);
  const attempts: SignAttempt[] = [];
  for (let round = 0; round <= options.retries; round++) {
    if (round > 0) await sleep(options.backoffMs * 2 ** (round - 1), signal);
    const remaining = [...servers];
    while (remaining.length > 0) {
      const lease = await options.limiter.acquire(remaining, signal);
      remaining.splice(remaining.indexOf(lease.server), 1);
      let result: { attempt: SignAttempt; permanent?: string };
      try {
        result = await runAttempt(lease.server, options, signal);
      } catch (err) {
        lease.release('neutral');
        throw err;
      }
      const { attempt, permanent } = result;
      attempts.push(attempt);
      options.onAttempt?.(attempt);
      lease.release(permanent !== undefined ? 'neutral' : attempt.outcome);
      if (attempt.outcome === 'ok') return { server: lease.server, attempts };
      if (permanent !== undefined) throw new SigningFailedError(options.file, attempts, permanent);
    }
  }
  throw new SigningFailedError(options.file, attempts);
}

/**
 * One attempt under its own deadline. Rejects only with CancelledError (the run was cancelled)
 * or MissingToolError (no server can help when the signing tool is not installed).
 */
async function runAttempt(server: string, options: FailoverOptions, cancel: AbortSignal): Promise<{ attempt: SignAttempt; permanent?: string }> {
  // A sibling may have failed between acquiring the server and getting here: an 'abort'
  // listener added now would never fire.
  if (cancel.aborted) throw new CancelledError();
  // The attempt's signal aborts at its deadline or when the run is cancelled.
  const deadline = new AbortController();
  const signal = AbortSignal.any([cancel, deadline.signal]);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    deadline.abort(new Error('attempt deadline'));
  }, options.timeoutMs);
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);

  // Race the attempt against its own deadline, so an attempt that ignores its signal cannot hold
  // the file hostage (the runner's process-group kill makes real attempts end promptly anyway).
  const attempt = options.attemptOnce(server, signal);
  let settled = false;
  const done = attempt.then(
    () => (settled = true),
    () => (settled = true),
  );
  let onStop = () => {};
  const stopped = new Promise<never>((_, reject) => {
    onStop = () => reject(new CancelledError());
    signal.addEventListener('abort', onStop, { once: true });
  });
  try {
    await Promise.race([attempt, stopped]);
    return { attempt: { server, outcome: 'ok', detail: '', ms: ms() } };
  } catch (err) {
    if (cancel.aborted) throw new CancelledError();
    if (err instanceof MissingToolError) throw err;
    if (timedOut) {
      return {
        attempt: { server, outcome: 'timeout', detail: `no result within ${formatMs(options.timeoutMs)}; stopped`, ms: ms() },
      };
    }
    const detail = err instanceof Error ? err.message : String(err);
    const failed: SignAttempt = { server, outcome: 'failed', detail, ms: ms() };
    return err instanceof PermanentSigningError ? { attempt: failed, permanent: detail } : { attempt: failed };
  } finally {
    clearTimeout(timer);
    // Removed here, not left to { once }: a derived signal that still has a listener lives as
    // long as its sources (the whole run).
    signal.removeEventListener('abort', onStop);
    // The abort kills the tool, but it takes a moment to exit (on Windows taskkill runs after
    // us): wait for it, within bounds, so the next server's attempt does not race it for the
    // temp file, and a cancelled run's cleanup finds the file closed.
    if (!settled) await Promise.race([done, delay(options.stopGraceMs ?? 5_000)]);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function formatMs(ms: number): string {
  return ms < 1000 || ms % 1000 !== 0 ? `${ms} ms` : `${ms / 1000} s`;
}
