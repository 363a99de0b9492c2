// Sign a list of files with Authenticode + RFC 3161 timestamps: the whole job behind the signing
// stages and `release sign`.
//
// For each file, up to `concurrency` at once:
//   1. sign into a temp sibling (produceAtomic): a failed run never leaves a half-signed file,
//      and the original stays in place until the signed copy replaces it;
//   2. verify the temp with the backend's verifier and parse its output (exit codes lie, see
//      src/signing/report.ts); for osslsigncode also read the timestamp token out of the file and
//      check what osslsigncode does not (TSA EKU, imprint, genTime; src/signing/timestampToken.ts);
//   3. a bad timestamp fails the attempt and the next server is tried; a bad signature (expired
//      or untrusted certificate) fails the file at once, since no server can fix it.
// Steps 1-2 form one attempt of signWithFailover, under one deadline.
//
// The tools never talk to a time-stamp server themselves: each attempt points them at a route
// of a loopback relay started for this call (src/tsa/relay.ts), which forwards the request
// through our bounded client and checks the reply before the tool sees it. The key's password
// reaches osslsigncode on its stdin (2.9+), or through a FIFO (older versions, Linux/macOS:
// src/tools/passwordFifo.ts); signtool never gets one.


import { rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipedPasswordProblem } from '../tools/osslsigncode.js';
import type { ToolRunner } from '../tools/runner.js';
import { startTimestampRelay, type RelayRoute, type TimestampRelay } from '../tsa/relay.js';
import { urlSecrets } from '../tsa/servers.js';
import { StageError, UsageError } from '../util/errors.js';
import { produceAtomic } from '../util/fs.js';
import { runBounded } from '../util/parallel.js';
import type { BackendOptions, Checked, SigningToolBackend } from './backends/backend.js';
import { checkOsslsigncodeVersion, osslsigncodeBackend, osslsigncodePassword, toOsslCredential, type OsslsigncodeSetup } from './backends/osslsigncode.js';
import { signtoolBackend, toSigntoolCredential } from './backends/signtool.js';
import { BACKEND_CREDENTIALS, credentialSecrets, SIGNTOOL_PFX_REFUSED, type SigningBackend, type SigningCredential } from './credentials.js';
import { displayServer, signWithFailover, type SignAttempt } from './failover.js';
import { ServerLimiter, type ServerLimiterOptions } from './limiter.js';

export { BACKEND_CREDENTIALS, type SigningBackend, type SigningCredential } from './credentials.js';

export interface SignFilesOptions {
  runner: ToolRunner;
  files: readonly string[];
  backend: SigningBackend;
  credential: SigningCredential;
  /** Program name shown by Windows (UAC prompt). */
  description?: string;
  /** "More information" link. */
  url?: string;
  /** RFC 3161 servers, best first (e.g. from selectTimestampServers). */
  servers: readonly string[];
  /**
   * Deadline of one attempt: signing (the TSA round trip) and verifying one file. Large files get
   * more: see attemptDeadlineMs.
   */
  timeoutMs: number;
  /** Extra rounds over all servers after the first. */
  retries: number;
  /** Wait before the second round; doubles for each further round. */
  backoffMs: number;
  /** Minimum interval between requests to one server: one number, or per URL or host. */
  minIntervalMs?: ServerLimiterOptions['minIntervalMs'];
  /**
   * How many files are signed at once. The work is mostly waiting on servers, so use more than
   * the CPU count: on a 2-CPU machine, 8 signed 50 files 2.7× faster than 2 (scripts/bench/sign).
   */
  concurrency: number;
  /** Trust anchors for verification (default: the verifier's own, e.g. the system CA bundle). */
  verify: { caFile?: string; tsaCaFile?: string; onlineRevocation?: boolean };
  signal: AbortSignal;
  log?: (line: string) => void;
  /** Most requests open at once on one server (default 3; see src/signing/limiter.ts). */
  maxInFlightPerServer?: number;
  /** Share pacing and server health across calls (binaries, then packages); default: a new one. */
  limiter?: ServerLimiter;
  /** Told about each file as soon as its signed, verified copy has replaced it. */
  onSigned?: (record: SignedFileRecord) => void | Promise<void>;
  /** The relay the tools send timestamp requests to (tests); default: one started for this call and stopped at its end. */
  relay?: TimestampRelay;
  /** Where that relay takes its proxy settings from (default: the process environment). */
  relayEnv?: NodeJS.ProcessEnv;
  /**
   * Tests only (no setting or variable leads here): give osslsigncode the password through a
   * FIFO, as for versions before 2.9, whatever the installed version is.
   */
  forcePasswordRoute?: 'fifo';
}

/** What artifacts.json records for a signed file. No secrets: no password, no server credentials. */
export interface SignedFileRecord {
  file: string;
  /** "CN=…, O=…" (osslsigncode) or the certificate's display name (signtool). "" in a dry run. */
  signerSubject: string;
  digest: 'sha256';
  /** The server whose timestamp is in the file, without any user:password part. */
  timestampServer: string;
  /** The timestamp's genTime, ISO 8601. "" in a dry run. */
  timestampTime: string;
  attempts: SignAttempt[];
}

/** What one successful attempt learned about the signed file. */

export function attemptDeadlineMs(timeoutMs: number, bytes: number): number {
  return timeoutMs + Math.ceil((3 * bytes * 1000) / HASH_BYTES_PER_SECOND);
}

const HASH_BYTES_PER_SECOND = 50 * 1024 * 1024;

export async function signFiles(options: SignFilesOptions): Promise<SignedFileRecord[]> {
  const { runner, credential } = options;
  if (!BACKEND_CREDENTIALS[options.backend].includes(credential.kind)) {
    throw new UsageError(
      options.backend === 'signtool' && credential.kind === 'pkcs12'
        ? SIGNTOOL_PFX_REFUSED
        : `${options.backend} cannot sign with a ${credential.kind} credential; it takes ${BACKEND_CREDENTIALS[options.backend].join(', ')}.`,
    );
  }
  if (options.servers.length === 0) {
    throw new UsageError('Signing needs at least one RFC 3161 time-stamp server (for example http://timestamp.digicert.com).');
  }
  for (const secret of credentialSecrets(credential)) runner.addSecret(secret);
  for (const server of options.servers) for (const secret of urlSecrets(server)) runner.addSecret(secret);
  // A dry run lists commands for files that earlier stages have not made yet.
  if (!runner.dryRun) await checkInputs(options.files);
  const limiter =
    options.limiter ??
    new ServerLimiter({
      ...(options.minIntervalMs !== undefined ? { minIntervalMs: options.minIntervalMs } : {}),
      ...(options.maxInFlightPerServer !== undefined ? { maxInFlightPerServer: options.maxInFlightPerServer } : {}),
    });

  const password = options.backend === 'osslsigncode' ? osslsigncodePassword(credential) : undefined;
  const problem = password === undefined ? undefined : pipedPasswordProblem(password);
  if (problem) throw new UsageError(`sign.certificate: the password cannot be given to osslsigncode: ${problem}. Change the password of the key.`);
  let setup: OsslsigncodeSetup = { version: undefined, passwordRoute: 'stdin', notes: [] };
  if (options.backend === 'osslsigncode' && !runner.dryRun) {
    setup = await checkOsslsigncodeVersion(runner, {
      msix: options.files.some((f) => /\.(msix|appx)(bundle)?$/i.test(f)),
      password: password !== undefined,
      onlineRevocation: options.verify.onlineRevocation === true,
    });
    for (const note of setup.notes) options.log?.(note);
  }
  if (options.forcePasswordRoute) setup = { ...setup, passwordRoute: options.forcePasswordRoute };

  return withRelay(options, async (relay) => {
    const backendOptions: BackendOptions = { ...options, relay };
    const backend =
      options.backend === 'osslsigncode'
        ? osslsigncodeBackend(backendOptions, toOsslCredential(credential), setup)
        : signtoolBackend(backendOptions, toSigntoolCredential(credential));
    return signAll(options, limiter, backend);
  });
}

/** Run `use` with the caller's relay, or with one that lives exactly as long as this call. */
async function withRelay<T>(options: SignFilesOptions, use: (relay: TimestampRelay) => Promise<T>): Promise<T> {
  if (options.relay) return use(options.relay);
  // A dry run starts nothing: its listing names each server by a fixed placeholder.
  if (options.runner.dryRun) return use(DRY_RUN_RELAY);
  const relay = await startTimestampRelay(options.relayEnv ? { env: options.relayEnv } : {});
  try {
    return await use(relay);
  } finally {
    await relay.close();
  }
}

/** What a dry run lists instead of a relay route: the same on every run, without credentials. */
const DRY_RUN_RELAY: TimestampRelay = {
  route: (upstream): RelayRoute => ({ url: `<relay to ${displayServer(upstream)}>`, requests: 0, failure: undefined, bytesReceived: 0, close() {} }),
  close: () => Promise.resolve(),
};

/** Every file exists, and none is listed twice (two workers would race on one file). */

export async function checkInputs(files: readonly string[]): Promise<void> {
  const seen = new Set<string>();
  const refused: string[] = [];
  for (const file of files) {
    const key = path.resolve(file);
    if (seen.has(key)) throw new UsageError(`${file} is listed twice in the files to sign.`);
    seen.add(key);
    // stat only: a FIFO or a device named here is refused, never opened (that would block).
    const found = await stat(file).catch(() => undefined);
    if (!found) refused.push(`${file} (does not exist)`);
    else if (!found.isFile()) refused.push(`${file} (${found.isDirectory() ? 'a folder' : found.isFIFO() ? 'a FIFO' : found.isSocket() ? 'a socket' : 'a device'}, not a regular file)`);
  }
  if (refused.length > 0) throw new StageError(`Cannot sign ${refused.length === 1 ? 'this file' : 'these files'}: ${refused.join(', ')}`);
}

async function signAll(options: SignFilesOptions, limiter: ServerLimiter, backend: SigningToolBackend): Promise<SignedFileRecord[]> {
  const { runner, log } = options;
  return runBounded(options.files, Math.max(1, options.concurrency), options.signal, async (file, signal) => {
    if (runner.dryRun) {
      // Print the command the real run would start first; nothing is written or verified. The
      // output is named by a placeholder so that the listing is the same on every run.
      await backend.sign(file, `${file}.signed`, options.servers[0]!, signal, options.timeoutMs);
      return { file, signerSubject: '', digest: 'sha256', timestampServer: displayServer(options.servers[0]!), timestampTime: '', attempts: [] };
    }
    const deadlineMs = attemptDeadlineMs(options.timeoutMs, (await stat(file)).size);
    const record = await produceAtomic(file, async (temp): Promise<SignedFileRecord> => {
      let checked: Checked | undefined;
      const { server, attempts } = await signWithFailover({
        file,
        servers: options.servers,
        timeoutMs: deadlineMs,
        retries: options.retries,
        backoffMs: options.backoffMs,
        limiter,
        signal,
        onAttempt: (a) => {
          if (a.outcome !== 'ok') log?.(`${path.basename(file)}: ${displayServer(a.server)} ${a.outcome === 'timeout' ? 'timed out' : 'failed'} (${a.detail})`);
        },
        attemptOnce: async (server, attemptSignal) => {
          await rm(temp, { force: true });
          await backend.sign(file, temp, server, attemptSignal, deadlineMs);
          checked = await backend.check(temp, attemptSignal, deadlineMs);
        },
      });
      if (!checked) throw new StageError(`internal error: ${file} was signed but not checked`);
      log?.(`signed ${path.basename(file)}: ${checked.signerSubject}, timestamp ${checked.timestampTime.toISOString()} from ${displayServer(server)}`);
      return {
        file,
        signerSubject: checked.signerSubject,
        digest: 'sha256' as const,
        timestampServer: displayServer(server),
        timestampTime: checked.timestampTime.toISOString(),
        attempts: attempts.map((a) => ({ ...a, server: displayServer(a.server) })),
      };
    });
    await options.onSigned?.(record);
    return record;
  });
}

/** The description and URL Windows shows for a signed file (both backends take them). */
