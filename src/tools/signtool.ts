// signtool.exe (Windows SDK): Authenticode signing and verification on Windows.
//
// There is no signtool on the machines that develop winship (it is Windows-only), so this
// adapter is pinned down by golden argv tests and by parsing output that people pasted into
// public repositories (test/fixtures/sign/signtool-*.txt, each with its source).
//
// Facts it is built on (Microsoft's SignTool reference, /work/shared/domain-notes.md §3):
// - `/td` must come after `/tr`, or the timestamp digest silently stays SHA-1.
// - Exit codes: 0 ok, 1 failure, 2 warnings. When the time-stamp server fails, signtool prints
//   "SignTool Warning: Signing succeeded, but an error occurred while attempting to timestamp"
//   and leaves a signed but untimestamped file: that is a failure for a release.
// - It signs in place (no -out), and has no timeout: one CI log shows /tr hanging ~29 minutes.
// - `/p PASSWORD` is its only way to take a PFX password, in argv, where every process of the
//   machine can read it (and process-creation auditing logs it). So this adapter has no `/f`
//   + `/p`: a key for signtool lives in the certificate store (`/sha1`, `/n`, hardware tokens)
//   or in Azure Trusted Signing (`/dlib`). A PFX with a password is osslsigncode's, which reads
//   the password from a pipe (src/tools/osslsigncode.ts), on Windows too.
// - Its `/tr` URL is our loopback timestamp relay (src/tsa/relay.ts), never the server itself.

import path from 'node:path';
import { StageError } from '../util/errors.js';
import { dateFromAsctimeFields } from '../util/dates.js';
import { digestName, type VerifiedSignature, type VerifyReport } from './verifyReport.js';
import { ToolFailedError, type Tool, type ToolRunner } from './runner.js';

export const signtool: Tool = {
  name: 'signtool',
  command: 'signtool',
  install:
    'the Windows SDK ("Windows SDK Signing Tools for Desktop Apps", or winget install Microsoft.WindowsSDK), ' +
    'then put C:\\Program Files (x86)\\Windows Kits\\10\\bin\\<version>\\x64 on PATH',
};

export type SigntoolCredential =
  /** A certificate in the Windows store, by SHA-1 thumbprint (`/sha1`): hardware tokens, EV keys, an imported PFX. */
  | { kind: 'thumbprint'; sha1: string }
  /** A certificate in the Windows store, by subject name (`/n`). */
  | { kind: 'subject'; name: string }
  /** Azure Trusted Signing: `/dlib Azure.CodeSigning.Dlib.dll /dmdf metadata.json`. */
  | { kind: 'azure'; dlib: string; metadata: string };

export interface SigntoolSignSpec {
  /** Signed in place. */
  file: string;
  credential: SigntoolCredential;
  /** `/d`: the program name Windows shows in UAC prompts. */
  description?: string;
  /** `/du`: the "more information" link. */
  url?: string;
  digest: 'sha256';
  /** One RFC 3161 server (`/tr URL /td sha256`); failover is ours (src/signing/failover.ts). */
  timestampUrl?: string;
  /** `/as`: append a signature instead of replacing the existing one. */
  nest?: boolean;
}

function credentialArgs(credential: SigntoolCredential): string[] {
  switch (credential.kind) {
    case 'thumbprint':
      return ['/sha1', credential.sha1];
    case 'subject':
      return ['/n', credential.name];
    case 'azure':
      return ['/dlib', credential.dlib, '/dmdf', credential.metadata];
  }
}

/** argv after "signtool". Never contains a secret: signtool gets no password (see the header). */
export function signtoolSignArgs(spec: SigntoolSignSpec): string[] {
  return [
    'sign',
    '/v',
    '/fd',
    spec.digest,
    ...credentialArgs(spec.credential),
    ...(spec.description !== undefined ? ['/d', spec.description] : []),
    ...(spec.url !== undefined ? ['/du', spec.url] : []),
    // /td after /tr: otherwise signtool asks for a SHA-1 timestamp.
    ...(spec.timestampUrl !== undefined ? ['/tr', spec.timestampUrl, '/td', spec.digest] : []),
    ...(spec.nest ? ['/as'] : []),
    spec.file,
  ];
}

/** `/pa`: the Authenticode policy (the default is the driver policy); `/all`: nested signatures too. */
export function signtoolVerifyArgs(file: string): string[] {
  return ['verify', '/pa', '/all', '/v', file];
}

// ---------------------------------------------------------------------------------------------
// Parsing

/** "SignTool Error: …" / "SignTool Warning: …" messages, with their wrapped lines joined. */
function signtoolMessages(output: string, kind: 'Error' | 'Warning'): string[] {
  const lines = output.split(/\r?\n/);
  const messages: string[] = [];
  const head = `SignTool ${kind}:`;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line.startsWith(head)) continue;
    const parts = [line.slice(head.length).trim()];
    // signtool wraps long messages at ~75 columns; continuation lines follow until a blank line
    // that is not followed by an indented one, or the next message or summary line.
    for (let j = i + 1; j < lines.length; j++) {
      const next = lines[j]!;
      if (next.trim() === '') {
        if (/^\s+\S/.test(lines[j + 1] ?? '')) continue;
        break;
      }
      if (/^\s*(SignTool |Number of |Successfully |Done Adding|Verifying:|Signature Index:)/.test(next)) break;
      parts.push(next.trim());
      i = j;
    }
    messages.push(parts.join(' ').replace(/\s+/g, ' '));
  }
  return messages;
}

function summaryCount(output: string, what: RegExp): number | undefined {
  const m = new RegExp(`^\\s*Number of ${what.source}:\\s*(\\d+)`, 'mi').exec(output);
  return m ? Number(m[1]) : undefined;
}

const WEEKDAY_DATE = /^(?:[A-Z][a-z]{2}\s+)?([A-Z][a-z]{2})\s+(\d{1,2})\s+(\d{2}):(\d{2}):(\d{2})\s+(\d{4})$/;

/**
 * signtool's "Sat Feb 13 14:41:49 2021". signtool prints the verifying machine's local time
 * without a zone, so it is read as local time: right when signtool runs on this machine.
 */
export function parseSigntoolTime(text: string): Date | undefined {
  const m = WEEKDAY_DATE.exec(text.trim());
  return m ? dateFromAsctimeFields(m.slice(1, 7), 'local') : undefined;
}

/**
 * `signtool verify /pa /all /v` output (stdout and stderr together) → one report, in the same
 * shape as parseOsslsigncodeVerify. signtool gives one verdict per file, so every signature
 * carries it; "File is not timestamped." leaves `timestamp` undefined.
 */
export function parseSigntoolVerify(output: string): VerifyReport {
  const lines = output.split(/\r?\n/);
  let starts = lines.flatMap((line, i) => (/^\s*Signature Index:\s*\d+/.test(line) ? [i] : []));
  // Older signtool (and catalog-signed files) print one chain without a "Signature Index" line.
  if (starts.length === 0) {
    const chain = lines.findIndex((l) => /^\s*Signing Certificate Chain:/.test(l));
    if (chain >= 0) starts = [Math.max(0, lines.findIndex((l) => /^\s*Verifying:/.test(l)))];
  }

  const errors = signtoolMessages(output, 'Error');
  const warnings = signtoolMessages(output, 'Warning');
  const verified = summaryCount(output, /(?:files|signatures) successfully Verified/);
  const errorCount = summaryCount(output, /errors/);
  const succeeded =
    errors.length === 0 &&
    (errorCount ?? 0) === 0 &&
    (verified !== undefined ? verified > 0 : /^\s*Successfully verified:/m.test(output)) &&
    starts.length > 0;

  const signatures = starts.map((start, n): VerifiedSignature => {
    const block = lines.slice(start, starts[n + 1] ?? lines.length);
    const signature: VerifiedSignature = { signatureOk: succeeded };
    const digest = block.map((l) => /Hash of file \(([^)]+)\)/.exec(l)).find((m) => m)?.[1];
    if (digest) signature.digest = digestName(digest);

    // The chain is printed root first, each level indented further: the signer is the last
    // "Issued to" before the timestamp lines.
    const chainAt = block.findIndex((l) => /^\s*Signing Certificate Chain:/.test(l));
    const chainEnd = block.findIndex(
      (l, i) => i > chainAt && /^\s*(The signature is timestamped|File is not timestamped|Timestamp Verified by|Successfully verified|SignTool |Number of )/.test(l),
    );
    if (chainAt >= 0) {
      const issuedTo = block
        .slice(chainAt, chainEnd < 0 ? undefined : chainEnd)
        .flatMap((l) => /^\s*Issued to:\s*(.+?)\s*$/.exec(l)?.[1] ?? []);
      const signer = issuedTo.at(-1);
      if (signer) signature.signerSubject = signer;
    }

    const stamped = block.map((l) => /^\s*The signature is timestamped:\s*(.+?)\s*$/.exec(l)).find((m) => m);
    if (stamped) {
      const time = parseSigntoolTime(stamped[1]!);
      signature.timestamp = {
        // /pa checks the timestamp's chain too; "Timestamp Verified by" lists the chain it built.
        serverSignatureOk: succeeded && block.some((l) => /^\s*Timestamp Verified by:/.test(l)),
        ...(time ? { time } : {}),
      };
    }
    return signature;
  });
  return { signatures, succeeded, problems: [...errors, ...warnings] };
}

/**
 * HRESULTs that mean the time-stamp server (or the way to it) failed, not the certificate or file:
 * 0x8019xxxx HTTP_E_STATUS_* (the server answered 4xx/5xx), 0x80072xxx WinINet/WinHTTP network
 * errors (timeout 0x80072EE2, cannot connect 0x80072EFD, ...), 0x80096005 TRUST_E_TIME_STAMP.
 */
const TIMESTAMP_HRESULTS = /0x8019[0-9a-f]{4}|0x80072[0-9a-f]{3}|0x80096005/i;

export interface SigntoolSignOutcome {
  /** Signed and, if asked, timestamped, with no error and no warning. */
  ok: boolean;
  /** A signature was written (possibly without the timestamp). */
  signed: boolean;
  /** The time-stamp server failed: signed without a timestamp, or not at all. */
  timestampFailed: boolean;
  problems: string[];
}

/**
 * `signtool sign` output (stdout and stderr together) and its exit code. Exit 2 with
 * "SignTool Warning: Signing succeeded, but an error occurred while attempting to timestamp" is
 * a signed file without a timestamp: not ok.
 */
export function parseSigntoolSignOutput(output: string, exitCode?: number): SigntoolSignOutcome {
  const errors = signtoolMessages(output, 'Error');
  const warnings = signtoolMessages(output, 'Warning');
  const problems = [...errors, ...warnings];
  // Not every server failure says "timestamp": an HTTP error from the TSA surfaces as
  // "SignerSign() failed." with an HRESULT, so the known network and time-stamp codes count too.
  const timestampFailed = problems.some((p) => /timestamp/i.test(p)) || TIMESTAMP_HRESULTS.test(output);
  const signed =
    /^\s*Successfully signed/m.test(output) || warnings.some((w) => /^Signing succeeded/i.test(w));
  const countedErrors = summaryCount(output, /errors/) ?? 0;
  const countedWarnings = summaryCount(output, /warnings/) ?? 0;
  const ok =
    signed &&
    problems.length === 0 &&
    countedErrors === 0 &&
    countedWarnings === 0 &&
    (exitCode === undefined || exitCode === 0);
  return { ok, signed, timestampFailed, problems };
}

// ---------------------------------------------------------------------------------------------
// Running

export interface SigntoolRunOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  subject?: string;
}

/** `signtool sign` did not produce a signed, timestamped file. */
export class SigntoolSignError extends StageError {
  override name = 'SigntoolSignError';
  constructor(
    message: string,
    readonly reason: string,
    /** The time-stamp server was the problem: another server may work. */
    readonly timestampFailed: boolean,
    details?: string,
  ) {
    super(message, details);
  }
}

export async function signtoolSign(runner: ToolRunner, spec: SigntoolSignSpec, options: SigntoolRunOptions): Promise<void> {
  let output: string;
  let exitCode: number | undefined;
  let commandLine: string | undefined;
  try {
    const result = await runner.run({
      tool: signtool,
      args: signtoolSignArgs(spec),
      timeoutMs: options.timeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
      subject: options.subject ?? path.basename(spec.file),
      input: '',
    });
    if (result.dryRun) return;
    output = `${result.raw.stdout}\n${result.raw.stderr}`;
    exitCode = result.exitCode;
  } catch (err) {
    if (!(err instanceof ToolFailedError) || err.timedOut) throw err;
    output = `${err.raw.stdout}\n${err.raw.stderr}`;
    exitCode = err.toolExitCode;
    commandLine = err.commandLine;
  }
  const outcome = parseSigntoolSignOutput(output, exitCode);
  if (!outcome.ok) {
    const reason = outcome.problems.join('; ') || `signtool exited with code ${exitCode}`;
    const what = outcome.signed && outcome.timestampFailed ? 'signed but could not timestamp' : 'could not sign';
    throw new SigntoolSignError(`signtool ${what} ${spec.file}: ${reason}`, reason, outcome.timestampFailed, commandLine);
  }
}

export interface SigntoolVerifyResult {
  report: VerifyReport;
  exitCode: number;
  output: string;
}

export async function signtoolVerify(runner: ToolRunner, file: string, options: SigntoolRunOptions): Promise<SigntoolVerifyResult> {
  try {
    const result = await runner.run({
      tool: signtool,
      args: signtoolVerifyArgs(file),
      timeoutMs: options.timeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
      subject: options.subject ?? path.basename(file),
      input: '',
    });
    const output = `${result.raw.stdout}\n${result.raw.stderr}`;
    return { report: parseSigntoolVerify(output), exitCode: result.exitCode, output };
  } catch (err) {
    if (!(err instanceof ToolFailedError) || err.timedOut) throw err;
    const output = `${err.raw.stdout}\n${err.raw.stderr}`;
    return { report: parseSigntoolVerify(output), exitCode: err.toolExitCode ?? -1, output };
  }
}
