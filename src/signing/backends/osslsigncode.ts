// osslsigncode as a signing backend: sign into a new file, verify it, and check the timestamp
// token ourselves (osslsigncode checks neither its EKU nor its imprint: src/tools/osslsigncode.ts).

import { readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  MIN_OSSLSIGNCODE_FOR_FIFO_PASSWORD,
  MIN_OSSLSIGNCODE_FOR_IGNORE_CRL,
  MIN_OSSLSIGNCODE_FOR_MSIX,
  MIN_OSSLSIGNCODE_FOR_ONLINE_CRL,
  MIN_OSSLSIGNCODE_FOR_PIPED_PASSWORD,
  OsslsigncodeSignError,
  osslsigncodeExtractSignature,
  osslsigncodeSign,
  osslsigncodeVerify,
  osslsigncodeVersion,
  type OsslsigncodeCredential,
  type OsslsigncodePasswordRoute,
} from '../../tools/osslsigncode.js';
import type { ToolRunner } from '../../tools/runner.js';
import { StageError, UsageError } from '../../util/errors.js';
import { forgetTemp, tempSibling } from '../../util/fs.js';
import { versionAtLeast } from '../../util/versions.js';
import type { SigningCredential } from '../credentials.js';
import { PermanentSigningError } from '../failover.js';
import { isCompoundFile, MAX_IN_PROCESS_MSI_BYTES, readMsiSignature } from '../msiSignature.js';
import { isPeFile, readPeSignature } from '../peSignature.js';
import { checkSignatureTimestamps } from '../timestampToken.js';
import { backstop, failOnReport, publisherInfo, throughRelay, type BackendOptions, type SigningToolBackend } from './backend.js';

export function osslsigncodeBackend(options: BackendOptions, credential: OsslsigncodeCredential, setup: OsslsigncodeSetup = CURRENT_OSSLSIGNCODE): SigningToolBackend {
  const { runner } = options;
  return {
    async sign(input, output, server, signal, deadlineMs) {
      // osslsigncode talks to the relay on loopback, never to the server itself (src/tsa/relay.ts).
      await throughRelay(options.relay, server, signal, deadlineMs, async (relayUrl, route) => {
        try {
          await osslsigncodeSign(
            runner,
            {
              input,
              output,
              credential,
              digest: 'sha256',
              timestampUrl: relayUrl,
              ...publisherInfo(options),
            },
            { timeoutMs: backstop(deadlineMs), signal, subject: path.basename(input), passwordRoute: setup.passwordRoute },
          );
        } catch (err) {
          // Failing before it asked the server anything (wrong password, unsupported file) is
          // not the server's doing. 2.9 says "Connecting to"; with any version, the relay counts.
          if (err instanceof OsslsigncodeSignError) {
            throw err.reachedServer || route.requests > 0 ? new Error(err.reason) : new PermanentSigningError(err.reason, err.details);
          }
          throw err;
        }
      });
    },
    async check(file, signal, deadlineMs) {
      // Our own reading of the timestamp token runs while osslsigncode verifies: both read the
      // same finished file, and neither waits for the other.
      const stampsOf = async () => checkSignatureTimestamps(await readSignature(runner, file, signal, backstop(deadlineMs)), { now: new Date() });
      const reading = stampsOf();
      reading.catch(() => undefined);
      const { report } = await osslsigncodeVerify(
        runner,
        {
          input: file,
          ...(options.verify.caFile !== undefined ? { caFile: options.verify.caFile } : {}),
          ...(options.verify.tsaCaFile !== undefined ? { tsaCaFile: options.verify.tsaCaFile } : {}),
          ...(options.verify.onlineRevocation ? { onlineRevocation: true } : {}),
          ...(setup.version ? { version: setup.version } : {}),
        },
        { timeoutMs: backstop(deadlineMs), signal, subject: path.basename(file) },
      );
      try {
        failOnReport(report);
      } catch (err) {
        // osslsigncode judges the certificate at the timestamp's time, so a TSA whose clock is
        // years off makes a good signature "expired" or "not yet valid": that is the server's
        // fault, and another server can do better.
        if (!(err instanceof PermanentSigningError)) throw err;
        const skew = (await reading.catch(() => [])).at(-1)?.clockSkewMs;
        if (skew === undefined) throw err;
        throw new Error(
          `the time-stamp server's clock is ${Math.round(Math.abs(skew) / 1000)} s ${skew > 0 ? 'ahead' : 'behind'}, so the certificate was judged at the wrong time (${err.message})`,
        );
      }

      const stamps = await reading;
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
 * The file's PKCS #7 signature: read in-process from a PE's certificate table or an MSI's
 * DigitalSignature stream, through `osslsigncode extract-signature` for other formats (MSIX).
 */
async function readSignature(runner: ToolRunner, file: string, signal: AbortSignal, timeoutMs: number): Promise<Uint8Array> {
  if (await isPeFile(file)) {
    const der = await readPeSignature(file);
    if (!der) throw new PermanentSigningError(`${file} has no signature after signing`);
    return der;
  }
  if ((await isCompoundFile(file)) && (await stat(file)).size <= MAX_IN_PROCESS_MSI_BYTES) {
    const der = await readMsiSignature(file);
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

/** What the engine learned about the installed osslsigncode before signing. */
export interface OsslsigncodeSetup {
  /** [major, minor]; undefined when not asked (dry run) or not readable: then taken as current. */
  version: readonly number[] | undefined;
  /** How the key's password reaches it (irrelevant without one). */
  passwordRoute: OsslsigncodePasswordRoute;
  /** What the user should know about this version (one line each). */
  notes: string[];
}

const CURRENT_OSSLSIGNCODE: OsslsigncodeSetup = { version: undefined, passwordRoute: 'stdin', notes: [] };

const UPGRADE =
  'Install a newer one: apt-get install -t bookworm-backports osslsigncode (Debian bookworm), brew install osslsigncode (macOS), ' +
  'the Windows build from https://github.com/mtrojnar/osslsigncode/releases, or build it from https://github.com/mtrojnar/osslsigncode.';

/**
 * Ask osslsigncode its version once, before any file is touched, and refuse one too old for
 * the job: MSIX/APPX needs 2.7; a password or PIN needs 2.9 on Windows (`-readpass -`) and 2.2
 * on Linux/macOS, where versions before 2.9 read it from a FIFO (winship never writes one to a
 * file); online revocation checks need 2.8.
 */
export async function checkOsslsigncodeVersion(
  runner: ToolRunner,
  needs: { msix: boolean; password: boolean; onlineRevocation?: boolean },
  platform: NodeJS.Platform = process.platform,
): Promise<OsslsigncodeSetup> {
  const shown = await versionOnce(runner);
  const parts = shown.split('.').map(Number);
  const version = parts.length >= 2 && parts.every(Number.isInteger) ? parts : undefined;
  const at = (min: readonly [number, number]) => version !== undefined && versionAtLeast(version, min);
  if (needs.msix && !at(MIN_OSSLSIGNCODE_FOR_MSIX)) {
    throw new StageError(`osslsigncode ${shown} cannot sign MSIX/APPX packages: that needs ${MIN_OSSLSIGNCODE_FOR_MSIX.join('.')} or newer. ${UPGRADE}`);
  }
  if (needs.onlineRevocation && version !== undefined && !at(MIN_OSSLSIGNCODE_FOR_ONLINE_CRL)) {
    throw new StageError(
      `sign.verify.onlineRevocation: osslsigncode ${shown} does not fetch or check the CRLs that certificates name ` +
        `(${MIN_OSSLSIGNCODE_FOR_ONLINE_CRL.join('.')} or newer does). ${UPGRADE}`,
    );
  }
  const notes: string[] = [];
  if (!needs.onlineRevocation && version !== undefined && at(MIN_OSSLSIGNCODE_FOR_ONLINE_CRL) && !at(MIN_OSSLSIGNCODE_FOR_IGNORE_CRL)) {
    notes.push(
      `osslsigncode ${shown} always fetches the CRLs that certificates name when it verifies (-ignore-crl came in ${MIN_OSSLSIGNCODE_FOR_IGNORE_CRL.join('.')}): ` +
        'a CRL server it cannot reach fails the verification',
    );
  }
  let passwordRoute: OsslsigncodePasswordRoute = 'stdin';
  if (needs.password && !at(MIN_OSSLSIGNCODE_FOR_PIPED_PASSWORD)) {
    const piped = `-readpass -, the password on a pipe, needs ${MIN_OSSLSIGNCODE_FOR_PIPED_PASSWORD.join('.')} or newer`;
    if (platform === 'win32') {
      throw new StageError(
        `osslsigncode ${shown} cannot be given the key's password on Windows (${piped}), ` +
          `and winship never writes a password to a file or puts it in a command line. ${UPGRADE}`,
      );
    }
    if (!at(MIN_OSSLSIGNCODE_FOR_FIFO_PASSWORD)) {
      throw new StageError(
        `osslsigncode ${shown} cannot be given the key's password: ${piped}, and a named pipe ${MIN_OSSLSIGNCODE_FOR_FIFO_PASSWORD.join('.')} or newer ` +
          `(older ones keep the line end as part of the password); winship never writes a password to a file or puts it in a command line. ${UPGRADE}`,
      );
    }
    // 2.2-2.8 on Linux/macOS: the password waits in a FIFO (src/tools/passwordFifo.ts).
    passwordRoute = 'fifo';
  }
  return { version, passwordRoute, notes };
}

// Asked once per run (one runner), not once for every target's binaries and packages.
const versions = new WeakMap<ToolRunner, Promise<string>>();

function versionOnce(runner: ToolRunner): Promise<string> {
  let version = versions.get(runner);
  if (!version) {
    version = osslsigncodeVersion(runner);
    versions.set(runner, version);
    // A failure (not installed) is not remembered: the next call reports it again.
    version.catch(() => versions.delete(runner));
  }
  return version;
}

export function osslsigncodePassword(credential: SigningCredential): string | undefined {
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

export function toOsslCredential(credential: SigningCredential): OsslsigncodeCredential {
  switch (credential.kind) {
    case 'pkcs12':
      return { kind: 'pkcs12', pfx: credential.pfx, password: credential.password };
    case 'pem':
      return { kind: 'pem', cert: credential.cert, key: credential.key, ...(credential.password !== undefined ? { password: credential.password } : {}) };
    case 'pkcs11':
      return {
        kind: 'pkcs11',
        module: credential.module,
        keyId: credential.keyId,
        cert: credential.cert,
        ...(credential.engine !== undefined ? { engine: credential.engine } : {}),
        ...(credential.pin !== undefined ? { password: credential.pin } : {}),
      };
    default:
      throw new UsageError(`osslsigncode cannot sign with a ${credential.kind} credential.`);
  }
}
