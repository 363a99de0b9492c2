// Sign a list of files with Authenticode + RFC 3161 timestamps: the whole job behind the signing
// stages and `release sign`.
//
// For each file, up to `concurrency` at once:
//   1. sign into a temp sibling (produceAtomic): a failed run never leaves a half-signed file,
//      and the original stays in place until the signed copy replaces it;
//   2. verify the temp with the backend's verifier and parse its output (exit codes lie, see
//      src/sign/report.ts); for osslsigncode also read the timestamp token out of the file and
//      check what osslsigncode does not (TSA EKU, imprint, genTime; src/sign/timestampToken.ts);
//   3. a bad timestamp fails the attempt and the next server is tried; a bad signature (expired
//      or untrusted certificate) fails the file at once, since no server can fix it.
// Steps 1-2 form one attempt of signWithFailover, under one deadline.

import { copyFile, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { StageError, UsageError } from '../errors.js';
import { runBounded } from '../parallel.js';
import {
  MIN_OSSLSIGNCODE_FOR_MSIX,
  OsslsigncodeSignError,
  osslsigncodeExtractSignature,
  osslsigncodeSign,
  osslsigncodeVerify,
  osslsigncodeVersion,
  withPasswordFile,
  type OsslsigncodeCredential,
} from '../tools/osslsigncode.js';
import type { ToolRunner } from '../tools/runner.js';
import { SigntoolSignError, signtoolSign, signtoolVerify, type SigntoolCredential } from '../tools/signtool.js';
import { forgetTemp, produceAtomic, tempSibling } from '../util/fs.js';
import { PermanentSigningError, displayServer, signWithFailover, type SignAttempt } from './failover.js';
import { ServerLimiter, type ServerLimiterOptions } from './rateLimit.js';
import { shippingProblems, type VerifyReport } from './report.js';
import { isPeFile, readPeSignature } from './peSignature.js';
import { checkSignatureTimestamps } from './timestampToken.js';
import { urlSecrets } from '../tsa/servers.js';

/** Where the signing key is. Which kinds a backend takes: see BACKEND_CREDENTIALS. */
export type SigningCredential =
  | { kind: 'pkcs12'; pfx: string; password: string }
  | { kind: 'pem'; cert: string; key: string; password?: string }
  | { kind: 'pkcs11'; module: string; keyId: string; cert: string; engine?: string; pin?: string }
  | { kind: 'thumbprint'; sha1: string }
  | { kind: 'subject'; name: string }
  | { kind: 'azure'; dlib: string; metadata: string };

export type SigningBackend = 'osslsigncode' | 'signtool';

export const BACKEND_CREDENTIALS: Readonly<Record<SigningBackend, readonly SigningCredential['kind'][]>> = {
  osslsigncode: ['pkcs12', 'pem', 'pkcs11'],
  signtool: ['pkcs12', 'thumbprint', 'subject', 'azure'],
};

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
  /** Most requests open at once on one server (default 3; see src/sign/rateLimit.ts). */
  maxInFlightPerServer?: number;
  /** Share pacing and server health across calls (binaries, then packages); default: a new one. */
  limiter?: ServerLimiter;
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
interface Checked {
  signerSubject: string;
  timestampTime: Date;
}

/** A backend with the credential resolved: sign `input` into `output` once, then check `output`. */
interface Backend {
  sign(input: string, output: string, server: string, signal: AbortSignal, deadlineMs: number): Promise<void>;
  check(file: string, signal: AbortSignal, deadlineMs: number): Promise<Checked>;
}

/**
 * Deadline for one attempt on a file of `bytes`: `timeoutMs` for the server, plus time to hash
 * the file three times (sign, verify, extract) at a pessimistic 50 MB/s, so a 300 MB MSI does not
 * time out while osslsigncode is still hashing before it even contacts the server.
 */
export function attemptDeadlineMs(timeoutMs: number, bytes: number): number {
  return timeoutMs + Math.ceil((3 * bytes * 1000) / HASH_BYTES_PER_SECOND);
}

const HASH_BYTES_PER_SECOND = 50 * 1024 * 1024;

export async function signFiles(options: SignFilesOptions): Promise<SignedFileRecord[]> {
  const { runner, credential } = options;
  if (!BACKEND_CREDENTIALS[options.backend].includes(credential.kind)) {
    throw new UsageError(
      `${options.backend} cannot sign with a ${credential.kind} credential; it takes ${BACKEND_CREDENTIALS[options.backend].join(', ')}.`,
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

  if (options.backend === 'osslsigncode') {
    if (options.files.some((f) => /\.(msix|appx)(bundle)?$/i.test(f))) await checkOsslsigncodeForMsix(runner);
    const password = osslsigncodePassword(credential);
    if (password === undefined) return signAll(options, limiter, osslsigncodeBackend(options, toOsslCredential(credential, undefined)));
    // A dry run writes nothing, the password file included: its listing shows a placeholder.
    if (runner.dryRun) return signAll(options, limiter, osslsigncodeBackend(options, toOsslCredential(credential, DRY_RUN_PASSWORD_FILE)));
    return withPasswordFile(password, (file) =>
      signAll(options, limiter, osslsigncodeBackend(options, toOsslCredential(credential, file))),
    );
  }
  return signAll(options, limiter, signtoolBackend(options, toSigntoolCredential(credential)));
}

const DRY_RUN_PASSWORD_FILE = '<password file>';

/** Every file exists, and none is listed twice (two workers would race on one file). */
export async function checkInputs(files: readonly string[]): Promise<void> {
  const seen = new Set<string>();
  const missing: string[] = [];
  for (const file of files) {
    const key = path.resolve(file);
    if (seen.has(key)) throw new UsageError(`${file} is listed twice in the files to sign.`);
    seen.add(key);
    try {
      if (!(await stat(file)).isFile()) missing.push(file);
    } catch {
      missing.push(file);
    }
  }
  if (missing.length > 0) {
    throw new StageError(`Cannot sign: ${missing.length === 1 ? 'this file does not exist' : 'these files do not exist'}: ${missing.join(', ')}`);
  }
}

async function signAll(options: SignFilesOptions, limiter: ServerLimiter, backend: Backend): Promise<SignedFileRecord[]> {
  const { runner, log } = options;
  return runBounded(options.files, Math.max(1, options.concurrency), options.signal, async (file, signal) => {
    if (runner.dryRun) {
      // Print the command the real run would start first; nothing is written or verified. The
      // output is named by a placeholder so that the listing is the same on every run.
      await backend.sign(file, `${file}.signed`, options.servers[0]!, signal, options.timeoutMs);
      return { file, signerSubject: '', digest: 'sha256', timestampServer: displayServer(options.servers[0]!), timestampTime: '', attempts: [] };
    }
    const deadlineMs = attemptDeadlineMs(options.timeoutMs, (await stat(file)).size);
    return produceAtomic(file, async (temp) => {
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
  });
}

/** The description and URL Windows shows for a signed file (both backends take them). */
function publisherInfo(options: SignFilesOptions): { description?: string; url?: string } {
  return {
    ...(options.description !== undefined ? { description: options.description } : {}),
    ...(options.url !== undefined ? { url: options.url } : {}),
  };
}

/** The runner's own timeout is only a backstop: the attempt's signal stops the tool first. */
const backstop = (deadlineMs: number) => deadlineMs + 5_000;

// ---------------------------------------------------------------------------------------------
// osslsigncode

function osslsigncodeBackend(options: SignFilesOptions, credential: OsslsigncodeCredential): Backend {
  const { runner } = options;
  return {
    async sign(input, output, server, signal, deadlineMs) {
      try {
        await osslsigncodeSign(
          runner,
          {
            input,
            output,
            credential,
            digest: 'sha256',
            timestampUrl: server,
            ...publisherInfo(options),
          },
          { timeoutMs: backstop(deadlineMs), signal, subject: path.basename(input) },
        );
      } catch (err) {
        // Failing before "Connecting to" (wrong password, unsupported file) is not the server's doing.
        if (err instanceof OsslsigncodeSignError) {
          throw err.reachedServer ? new Error(err.reason) : new PermanentSigningError(err.reason, err.details);
        }
        throw err;
      }
    },
    async check(file, signal, deadlineMs) {
      const { report } = await osslsigncodeVerify(
        runner,
        {
          input: file,
          ...(options.verify.caFile !== undefined ? { caFile: options.verify.caFile } : {}),
          ...(options.verify.tsaCaFile !== undefined ? { tsaCaFile: options.verify.tsaCaFile } : {}),
          ...(options.verify.onlineRevocation ? { onlineRevocation: true } : {}),
        },
        { timeoutMs: backstop(deadlineMs), signal, subject: path.basename(file) },
      );
      const stampsOf = async () => checkSignatureTimestamps(await readSignature(runner, file, signal, backstop(deadlineMs)), { now: new Date() });
      try {
        failOnReport(report);
      } catch (err) {
        // osslsigncode judges the certificate at the timestamp's time, so a TSA whose clock is
        // years off makes a good signature "expired" or "not yet valid": that is the server's
        // fault, and another server can do better.
        if (!(err instanceof PermanentSigningError)) throw err;
        const skew = (await stampsOf().catch(() => [])).at(-1)?.clockSkewMs;
        if (skew === undefined) throw err;
        throw new Error(
          `the time-stamp server's clock is ${Math.round(Math.abs(skew) / 1000)} s ${skew > 0 ? 'ahead' : 'behind'}, so the certificate was judged at the wrong time (${err.message})`,
        );
      }

      const stamps = await stampsOf();
      const bad = stamps.flatMap((s) => s.problems.map((p) => (stamps.length > 1 ? `signature ${s.index}: ${p}` : p)));
      if (bad.length > 0) throw new Error(bad.join('; '));
      const ours = stamps.at(-1);
      const signerSubject = report.signatures.at(-1)?.signerSubject;
      if (!ours?.genTime || !signerSubject) throw new Error('the signed file has no readable signer or timestamp');
      return { signerSubject, timestampTime: ours.genTime };
    },
  };
}

/**
 * The file's PKCS #7 signature: read in-process from a PE's certificate table, through
 * `osslsigncode extract-signature` for other formats (MSI, MSIX).
 */
async function readSignature(runner: ToolRunner, file: string, signal: AbortSignal, timeoutMs: number): Promise<Uint8Array> {
  if (await isPeFile(file)) {
    const der = await readPeSignature(file);
    if (!der) throw new PermanentSigningError(`${file} has no signature after signing`);
    return der;
  }
  const sigFile = tempSibling(`${file}.p7`);
  try {
    await osslsigncodeExtractSignature(runner, file, sigFile, { timeoutMs, signal });
    return new Uint8Array(await readFile(sigFile));
  } finally {
    await rm(sigFile, { force: true });
    forgetTemp(sigFile);
  }
}

/**
 * Throw if the verifier's report rules the file out: PermanentSigningError when a signature
 * itself is bad (no server can fix that), a plain Error when only the timestamp is (another
 * server may do better).
 */
function failOnReport(report: VerifyReport): void {
  const problems = shippingProblems(report);
  if (problems.length === 0) return;
  const signatureBad = report.signatures.length === 0 || report.signatures.some((s) => !s.signatureOk || (s.digest !== undefined && s.digest !== 'sha256'));
  const message = `verification failed: ${problems.join('; ')}`;
  throw signatureBad ? new PermanentSigningError(message) : new Error(message);
}

async function checkOsslsigncodeForMsix(runner: ToolRunner): Promise<void> {
  const version = await osslsigncodeVersion(runner);
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const [needMajor, needMinor] = MIN_OSSLSIGNCODE_FOR_MSIX;
  if (major < needMajor || (major === needMajor && minor < needMinor)) {
    throw new StageError(
      `osslsigncode ${version} cannot sign MSIX/APPX packages: that needs ${needMajor}.${needMinor} or newer. ` +
        'Install a newer one: apt-get install -t bookworm-backports osslsigncode (Debian bookworm), or build it from https://github.com/mtrojnar/osslsigncode.',
    );
  }
}

function osslsigncodePassword(credential: SigningCredential): string | undefined {
  switch (credential.kind) {
    case 'pkcs12':
      return credential.password;
    case 'pem':
      return credential.password;
    case 'pkcs11':
      return credential.pin;
    default:
      return undefined;
  }
}

function toOsslCredential(credential: SigningCredential, passwordFile: string | undefined): OsslsigncodeCredential {
  const pass = passwordFile !== undefined ? { passwordFile } : {};
  switch (credential.kind) {
    case 'pkcs12':
      if (passwordFile === undefined) throw new StageError('internal error: a PKCS#12 credential without its password file');
      return { kind: 'pkcs12', pfx: credential.pfx, passwordFile };
    case 'pem':
      return { kind: 'pem', cert: credential.cert, key: credential.key, ...pass };
    case 'pkcs11':
      return {
        kind: 'pkcs11',
        module: credential.module,
        keyId: credential.keyId,
        cert: credential.cert,
        ...(credential.engine !== undefined ? { engine: credential.engine } : {}),
        ...pass,
      };
    default:
      throw new UsageError(`osslsigncode cannot sign with a ${credential.kind} credential.`);
  }
}

function credentialSecrets(credential: SigningCredential): string[] {
  const secret = credential.kind === 'pkcs12' || credential.kind === 'pem' ? credential.password : credential.kind === 'pkcs11' ? credential.pin : undefined;
  return secret ? [secret] : [];
}

// ---------------------------------------------------------------------------------------------
// signtool

function signtoolBackend(options: SignFilesOptions, credential: SigntoolCredential): Backend {
  const { runner } = options;
  return {
    async sign(input, output, server, signal, deadlineMs) {
      // signtool signs in place: sign a copy, which produceAtomic then moves over the original.
      if (!runner.dryRun) await copyFile(input, output);
      try {
        await signtoolSign(
          runner,
          {
            file: output,
            credential,
            digest: 'sha256',
            timestampUrl: server,
            ...publisherInfo(options),
          },
          { timeoutMs: backstop(deadlineMs), signal, subject: path.basename(input) },
        );
      } catch (err) {
        if (err instanceof SigntoolSignError) {
          throw err.timestampFailed ? new Error(err.reason) : new PermanentSigningError(err.reason, err.details);
        }
        throw err;
      }
    },
    async check(file, signal, deadlineMs) {
      // signtool verify /pa applies Windows' own timestamp rules (chain, timeStamping EKU).
      const { report } = await signtoolVerify(runner, file, { timeoutMs: backstop(deadlineMs), signal, subject: path.basename(file) });
      failOnReport(report);
      const ours = report.signatures.at(-1);
      if (!ours?.signerSubject || !ours.timestamp?.time) throw new Error('signtool did not show the signer or the timestamp time');
      return { signerSubject: ours.signerSubject, timestampTime: ours.timestamp.time };
    },
  };
}

function toSigntoolCredential(credential: SigningCredential): SigntoolCredential {
  switch (credential.kind) {
    case 'pkcs12':
      return { kind: 'pfx', pfx: credential.pfx, password: credential.password };
    case 'thumbprint':
      return { kind: 'thumbprint', sha1: credential.sha1 };
    case 'subject':
      return { kind: 'subject', name: credential.name };
    case 'azure':
      return { kind: 'azure', dlib: credential.dlib, metadata: credential.metadata };
    default:
      throw new UsageError(`signtool cannot sign with a ${credential.kind} credential.`);
  }
}
