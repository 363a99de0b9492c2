// osslsigncode: Authenticode signing and verification on Linux/macOS (PE, MSI, CAB, APPX/MSIX).
//
// Facts this adapter is built on (osslsigncode 2.9 with OpenSSL 3.0, recorded in
// test/fixtures/sign/ by test/fixtures/sign/capture.ts; 2.5 is Debian bookworm's, checked
// against its source and the bookworm binary, recorded as *-2.5.txt):
// - No timeout of its own: a TSA that accepts the connection and never answers stalls it
//   forever. Every run here has a deadline and is killed with its process group.
// - With several -ts it tries them in order but reports only the last error, so we pass one
//   -ts per run and do failover, pacing and retries ourselves (src/signing/failover.ts).
// - It checks neither the reply's nonce nor the TSA certificate's timeStamping EKU, and
//   `verify` exits 0 ("Succeeded") for a token whose imprint does not match. So `verify` output
//   is parsed line by line, and the engine checks the token itself (src/signing/timestampToken.ts).
// - 2.9 prints "Connecting to URL" on stdout once it got as far as the TSA: a failure before
//   that line (wrong password, unsupported file) is not the server's fault and retrying cannot
//   help. 2.5-2.8 print no such line (the relay's request count tells instead), and write
//   their errors to stdout, 2.9 to stderr.
// - It reads a timestamp reply of any size, and takes its proxy from the environment (2.9:
//   OpenSSL's HTTP client, http_proxy/https_proxy; 2.5-2.8: libcurl, which also reads
//   all_proxy): it is pointed at our loopback relay (src/tsa/relay.ts), which bounds and checks
//   the reply, and runs without the proxy variables, which are the relay's.
// - The password: every 2.x from 2.2 on reads `-readpass FILE` with open(O_RDONLY) and one
//   read() of at most 4095 bytes, strips trailing CR/LF and a leading UTF-8 BOM, and ends the
//   string at a NUL; 2.9 added `-readpass -`, the same read on standard input. It never goes
//   into a file, argv or the environment: 2.9+ gets it on the pipe the runner writes
//   (RunSpec.input); older ones on Linux/macOS through a FIFO whose bytes live only in the
//   kernel's pipe buffer (src/tools/passwordFifo.ts). `-readpass /dev/stdin` is no way out for
//   old versions: libuv gives a child a socketpair as stdin, and opening /dev/stdin
//   (/proc/self/fd/0) on a socket fails with ENXIO (checked with osslsigncode 2.9 on Linux). On
//   Windows, 2.9 reads `-` with the C runtime's read() on the pipe's handle, so the same route
//   works there (text mode: see pipedPasswordProblem); older ones are refused there. Untested on
//   Windows, where there is no osslsigncode here.
// - `verify -ignore-crl` arrived in 2.9. 2.8 always fetches the CRLs the certificates name
//   (-ignore-cdp still demands one), 2.5-2.7 never fetch any.

import path from 'node:path';
import { StageError, UsageError } from '../util/errors.js';
import { digestName, type VerifiedSignature, type VerifyReport } from './verifyReport.js';
import { dateFromAsctimeFields } from '../util/dates.js';
import { versionAtLeast } from '../util/versions.js';
import { withPasswordInFifo } from './passwordFifo.js';
import { ToolFailedError, type Tool, type ToolRunner } from './runner.js';

export const osslsigncode: Tool = {
  name: 'osslsigncode',
  command: 'osslsigncode',
  install:
    'apt-get install osslsigncode (Debian bookworm: apt-get install -t bookworm-backports osslsigncode for 2.9; ' +
    'MSIX/APPX needs 2.7 or newer, a key password 2.2 or newer on Linux/macOS and 2.9 on Windows; macOS: brew install osslsigncode; ' +
    'Windows: the release zip from https://github.com/mtrojnar/osslsigncode/releases, on PATH)',
};

/** APPX/MSIX support arrived in osslsigncode 2.7 (NEWS.md). */
export const MIN_OSSLSIGNCODE_FOR_MSIX: readonly [number, number] = [2, 7];

/** `-readpass -` (the password on standard input) arrived in osslsigncode 2.9. */
export const MIN_OSSLSIGNCODE_FOR_PIPED_PASSWORD: readonly [number, number] = [2, 9];

/**
 * `-readpass FILE` strips the newline after the password from 2.2 on (2.0 and 2.1 would keep
 * it as part of the password): the oldest that can read one from a FIFO (Linux/macOS).
 */
export const MIN_OSSLSIGNCODE_FOR_FIFO_PASSWORD: readonly [number, number] = [2, 2];

/** `verify -ignore-crl` arrived in osslsigncode 2.9. */
export const MIN_OSSLSIGNCODE_FOR_IGNORE_CRL: readonly [number, number] = [2, 9];

/** osslsigncode 2.8 was the first to fetch and check the CRLs that certificates name. */
export const MIN_OSSLSIGNCODE_FOR_ONLINE_CRL: readonly [number, number] = [2, 8];

/**
 * How a password reaches osslsigncode: 'stdin' (`-readpass -`, 2.9+), or 'fifo' (`-readpass
 * FIFO`, older versions on Linux/macOS: src/tools/passwordFifo.ts).
 */
export type OsslsigncodePasswordRoute = 'stdin' | 'fifo';

/** How osslsigncode gets the signing key. Passwords and PINs travel through its stdin or a FIFO, never argv. */
export type OsslsigncodeCredential =
  | { kind: 'pkcs12'; pfx: string; password: string }
  | { kind: 'pem'; cert: string; key: string; password?: string }
  | {
      kind: 'pkcs11';
      /** The PKCS#11 module (.so) of the token or HSM. */
      module: string;
      /** Key id or PKCS#11 URI (-key). */
      keyId: string;
      /** A certificate file (-certs), or a "pkcs11:" URI of a certificate on the token (-pkcs11cert). */
      cert: string;
      /** OpenSSL engine (-pkcs11engine); osslsigncode finds one by default. */
      engine?: string;
      /** The token PIN (-readpass -, like a password). */
      password?: string;
    };

export interface OsslsigncodeSignSpec {
  input: string;
  /** Must differ from input: osslsigncode writes a new file (and deletes it on failure). */
  output: string;
  credential: OsslsigncodeCredential;
  /** -n: shown by Windows as the program name in UAC prompts. */
  description?: string;
  /** -i: the "more information" link. */
  url?: string;
  digest: 'sha256';
  /** One RFC 3161 server: failover between servers is ours (src/signing/failover.ts). */
  timestampUrl?: string;
  /** -nest: append a signature instead of replacing the existing one. */
  nest?: boolean;
}

/**
 * `passwordSource`: "-" when the password comes on standard input (osslsigncodeSign writes it
 * there), or the path of the FIFO it waits in.
 */
function credentialArgs(credential: OsslsigncodeCredential, passwordSource: string): string[] {
  const pass = credential.password === undefined ? [] : ['-readpass', passwordSource];
  switch (credential.kind) {
    case 'pkcs12':
      return ['-pkcs12', credential.pfx, ...pass];
    case 'pem':
      return ['-certs', credential.cert, '-key', credential.key, ...pass];
    case 'pkcs11':
      return [
        ...(credential.engine !== undefined ? ['-pkcs11engine', credential.engine] : []),
        '-pkcs11module',
        credential.module,
        ...(credential.cert.startsWith('pkcs11:') ? ['-pkcs11cert', credential.cert] : ['-certs', credential.cert]),
        '-key',
        credential.keyId,
        ...pass,
      ];
  }
}

/**
 * Why `password` cannot reach osslsigncode unchanged (through `-readpass -` or a FIFO: the same
 * read), or undefined. osslsigncode reads one buffer of 4096 bytes, ends the string at a NUL,
 * strips trailing line breaks and a leading UTF-8 byte order mark: such a password would
 * silently become another one. On Windows its C runtime reads stdin in text mode, which turns
 * CR LF into LF and stops at Ctrl-Z (not testable here: checked against the CRT's documented
 * _read behaviour).
 */
export function pipedPasswordProblem(password: string, platform: NodeJS.Platform = process.platform): string | undefined {
  if (password.includes('\0')) return 'it contains a NUL character';
  if (/[\r\n]$/.test(password)) return 'it ends with a line break, which osslsigncode strips';
  if (password.startsWith('\uFEFF')) return 'it starts with a byte order mark (U+FEFF), which osslsigncode strips';
  if (Buffer.byteLength(password) > 4094) return 'it is longer than 4094 bytes, more than osslsigncode reads';
  if (platform === 'win32' && /[\r\x1a]/.test(password)) return 'it contains a carriage return or Ctrl-Z, which Windows text-mode input changes';
  return undefined;
}

/** What the signing run writes to osslsigncode's standard input: the password and a newline, or nothing. */
export function osslsigncodeSignInput(credential: OsslsigncodeCredential, route: OsslsigncodePasswordRoute = 'stdin'): string {
  // The newline matters: without it an empty password would be an empty read, which
  // osslsigncode takes for a failure. (The FIFO route writes the same bytes into the FIFO.)
  return credential.password === undefined || route === 'fifo' ? '' : `${credential.password}\n`;
}

/**
 * argv after "osslsigncode". Never contains a secret: a password is read from `passwordSource`,
 * "-" (stdin) or a FIFO's path.
 */
export function osslsigncodeSignArgs(spec: OsslsigncodeSignSpec, passwordSource = '-'): string[] {
  return [
    'sign',
    ...credentialArgs(spec.credential, passwordSource),
    '-h',
    spec.digest,
    ...(spec.description !== undefined ? ['-n', spec.description] : []),
    ...(spec.url !== undefined ? ['-i', spec.url] : []),
    ...(spec.timestampUrl !== undefined ? ['-ts', spec.timestampUrl] : []),
    ...(spec.nest ? ['-nest'] : []),
    '-in',
    spec.input,
    '-out',
    spec.output,
  ];
}

export interface OsslsigncodeVerifySpec {
  input: string;
  /** Trusted roots for the signing certificate (-CAfile); osslsigncode's default is the system bundle. */
  caFile?: string;
  /** Trusted roots for the TSA (-TSA-CAfile); osslsigncode's default is the system bundle. */
  tsaCaFile?: string;
  /**
   * Let osslsigncode download and check the CRLs that the certificates name. Off unless asked
   * for (-ignore-crl): every commercial certificate names one, and a CI runner without egress
   * (or a CRL server that hangs) would fail a good signature, inside a timestamp server's time
   * budget. (-ignore-cdp is not enough: it skips the download but still demands a CRL.)
   * Only 2.9+ can be told either way: 2.8 always fetches, 2.5-2.7 never do (see `version`).
   */
  onlineRevocation?: boolean;
  /**
   * The installed osslsigncode's version, when known: before 2.9 there is no -ignore-crl, and
   * passing it fails every verification ("Unknown option"). Unknown: taken as 2.9 or newer.
   */
  version?: readonly number[];
}

export function osslsigncodeVerifyArgs(spec: OsslsigncodeVerifySpec): string[] {
  const canIgnoreCrl = spec.version === undefined || versionAtLeast(spec.version, MIN_OSSLSIGNCODE_FOR_IGNORE_CRL);
  return [
    'verify',
    ...(spec.caFile !== undefined ? ['-CAfile', spec.caFile] : []),
    ...(spec.tsaCaFile !== undefined ? ['-TSA-CAfile', spec.tsaCaFile] : []),
    ...(spec.onlineRevocation || !canIgnoreCrl ? [] : ['-ignore-crl']),
    '-in',
    spec.input,
  ];
}

/** The PKCS#7 SignedData of the file's signature, as DER (nested signatures are inside it). */
export function osslsigncodeExtractSignatureArgs(input: string, output: string): string[] {
  return ['extract-signature', '-in', input, '-out', output];
}

// ---------------------------------------------------------------------------------------------
// Parsing

/** "osslsigncode 2.9, using:" → [2, 9]. */
export function parseOsslsigncodeVersion(text: string): [number, number] | undefined {
  const m = /osslsigncode\s+(\d+)\.(\d+)/.exec(text);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/**
 * `osslsigncode verify` output → one report. Reads stdout block by block ("Signature Index: N")
 * and never relies on the exit code or the final "Succeeded" alone. `stderr` adds messages such
 * as "No signature found" (an unsigned file).
 */
export function parseOsslsigncodeVerify(stdout: string, stderr = ''): VerifyReport {
  const lines = stdout.split(/\r?\n/);
  const starts = lines.flatMap((line, i) => (/^Signature Index: \d+/.test(line) ? [i] : []));
  const signatures: VerifiedSignature[] = [];
  const problems: string[] = [];
  starts.forEach((start, n) => {
    const block = lines.slice(start, starts[n + 1] ?? lines.length);
    const prefix = starts.length > 1 ? `signature ${n}: ` : '';
    const { signature, problems: found } = parseSignatureBlock(block);
    signatures.push(signature);
    problems.push(...found.map((p) => prefix + p));
  });
  for (const line of stderr.split(/\r?\n/).map((l) => l.trim())) {
    // OpenSSL's coded lines repeat the "Error:" lines of stdout; keep osslsigncode's own words.
    if (line && !OPENSSL_ERROR_LINE.test(line) && !problems.includes(line)) problems.push(line);
  }
  const verdict = lines.map((l) => l.trim()).filter(Boolean).at(-1);
  return { signatures, succeeded: verdict === 'Succeeded' && signatures.length > 0, problems };
}

function parseSignatureBlock(block: string[]): { signature: VerifiedSignature; problems: string[] } {
  const problems: string[] = [];
  const field = (re: RegExp) => block.map((l) => re.exec(l)).find((m) => m)?.[1]?.trim();

  const printedDigest = field(/^Message digest algorithm\s*:\s*(\S+)/);
  const current = field(/^Current (?:message digest|DigitalSignature)\s*:\s*([0-9A-F]+)/i);
  const calculated = field(/^Calculated (?:message digest|DigitalSignature)\s*:\s*([0-9A-F]+)/i);
  if (current !== undefined && calculated !== undefined && current !== calculated) {
    problems.push(`the file's digest ${calculated} does not match the signed digest ${current}`);
  }

  const signerAt = block.findIndex((l) => l.startsWith("Signer's certificate:"));
  const signerLine = signerAt >= 0 ? block.slice(signerAt).find((l) => /^\s*Subject:/.test(l)) : undefined;
  const signerSubject = signerLine ? opensslSlashNameToRfc4514(signerLine.replace(/^\s*Subject:\s*/, '')) : undefined;

  const signatureVerdict = field(/^Signature verification:\s*(ok|failed)/);
  const signature: VerifiedSignature = { signatureOk: signatureVerdict === 'ok' && problems.length === 0 };
  if (signerSubject) signature.signerSubject = signerSubject;
  if (printedDigest) signature.digest = digestName(printedDigest);

  const hasTimestamp = !block.some((l) => l.trim() === 'Timestamp is not available') &&
    block.some((l) => /^\s*(?:Timestamp time|The signature is timestamped):/.test(l) || /^Timestamp Server Signature verification:/.test(l));
  if (hasTimestamp) {
    // 2.9: "Timestamp time: …"; 2.5: "The signature is timestamped: …".
    const timeText = field(/^\s*(?:Timestamp time|The signature is timestamped):\s*(.+)$/);
    const time = timeText ? parseOpensslTime(timeText) : undefined;
    signature.timestamp = {
      serverSignatureOk: field(/^Timestamp Server Signature verification:\s*(ok|failed)/) === 'ok',
      ...(time ? { time } : {}),
    };
  }

  for (const raw of block) {
    const line = raw.trim();
    if (/^Error:\s*/.test(line)) problems.push(line.replace(/^Error:\s*/, ''));
    else if (line.startsWith('Hash value mismatch')) problems.push('timestamp: the imprint does not match the signature (Hash value mismatch)');
    else if (/verification: failed$/.test(line)) problems.push(line);
  }
  return { signature, problems: [...new Set(problems)] };
}

/** How OpenSSL's coded error lines begin: "<hex thread id>:error:<hex code>:" ... */
const OPENSSL_ERROR_PREFIX = '^[0-9A-F]{8,}:error:[0-9A-F]+:';
const OPENSSL_ERROR_LINE = new RegExp(OPENSSL_ERROR_PREFIX);
/** ... then "<library>:<function>:<reason>:<file>:<line>:<data>". */
const OPENSSL_CODED_ERROR = new RegExp(`${OPENSSL_ERROR_PREFIX}[^:]*:[^:]*:([^:]*):[^:]*:\\d+:(.*)$`);

/** ASN1_TIME_print's "Nov  3 08:39:50 2026 GMT" → Date (UTC). */
export function parseOpensslTime(text: string): Date | undefined {
  const m = /^([A-Z][a-z]{2})\s+(\d{1,2})\s+(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?\s+(\d{4})\s+GMT$/.exec(text.trim());
  return m ? dateFromAsctimeFields(m.slice(1, 7), 'utc') : undefined;
}

/**
 * OpenSSL's one-line "/C=US/O=Org/CN=Name" → "CN=Name, O=Org, C=US", the order and separators
 * of formatDistinguishedName (src/tsa/rfc3161.ts), so subjects compare across sources.
 */
export function opensslSlashNameToRfc4514(name: string): string {
  return name
    .replace(/^\//, '')
    .split(/\/(?=[A-Za-z][A-Za-z0-9.]*=)/)
    .map((part) => {
      const eq = part.indexOf('=');
      return `${part.slice(0, eq)}=${part.slice(eq + 1).replace(/[,+"<>;=]/g, (c) => `\\${c}`)}`;
    })
    .reverse()
    .join(', ');
}

/** osslsigncode reached the time-stamp server in this run (see the header comment). */
export function reachedTimestampServer(stdout: string): boolean {
  return /^Connecting to /m.test(stdout);
}

const NOISE = new Set([
  'Failed',
  'Unable to set unauthenticated attributes',
  'Use the "-t" option to add the Authenticode Time-Stamp Authority or choose another one RFC3161 Time-Stamp Authority',
]);
const GENERIC_OPENSSL_REASONS = new Set(['connect error', 'error receiving', 'nested asn1 error']);

/**
 * One line saying why `osslsigncode sign` failed: its own messages first, then the reasons
 * inside OpenSSL's coded error lines ("received error (code=500, reason=…)"). 2.9 writes them to
 * stderr; 2.5-2.8 to stdout, where they are read when stderr says nothing.
 */
export function describeOsslsigncodeFailure(stdout: string, stderr: string): string {
  const parts = failureParts(stderr);
  if (parts.length === 0) parts.push(...failureParts(stdout).filter((p) => !/^(Connecting to |Succeeded$)/.test(p)));
  if (parts.length === 0) return stdout.trim().split(/\r?\n/).at(-1) || 'osslsigncode failed without a message';
  return parts.join('; ');
}

function failureParts(text: string): string[] {
  const parts: string[] = [];
  const reasons = new Set<string>();
  for (const line of text.split(/\r?\n/).map((l) => l.trim())) {
    if (!line || NOISE.has(line)) continue;
    const coded = OPENSSL_CODED_ERROR.exec(line);
    if (coded) {
      const reason = coded[1]!.trim();
      if (GENERIC_OPENSSL_REASONS.has(reason) || reasons.has(reason)) continue;
      reasons.add(reason);
      const data = coded[2]!.trim();
      parts.push(data ? `${reason} (${data})` : reason);
    } else if (!parts.includes(line)) {
      parts.push(line);
    }
  }
  return parts;
}

// ---------------------------------------------------------------------------------------------
// Running

export interface OsslsigncodeRunOptions {
  /** Kill the process group after this long (osslsigncode has no timeout of its own). */
  timeoutMs: number;
  signal?: AbortSignal;
  /** What the run is about, for messages (a file name). */
  subject?: string;
}

/** `osslsigncode sign` failed (not a timeout, not a cancellation). */
export class OsslsigncodeSignError extends StageError {
  override name = 'OsslsigncodeSignError';
  constructor(
    message: string,
    /** One line: why, in osslsigncode's and OpenSSL's words. */
    readonly reason: string,
    /** It had contacted the time-stamp server: the failure is probably the server's. */
    readonly reachedServer: boolean,
    details?: string,
  ) {
    super(message, details);
  }
}

export async function osslsigncodeVersion(runner: ToolRunner): Promise<string> {
  const { stdout } = await runner.run({ tool: osslsigncode, args: ['--version'], timeoutMs: 30_000, readOnly: true, input: '' });
  const version = parseOsslsigncodeVersion(stdout);
  return version ? version.join('.') : stdout.trim().split(/\r?\n/)[0] ?? '';
}

/**
 * OpenSSL's HTTP client (2.9) and libcurl (2.5-2.8) take their proxy from these: the relay on
 * loopback must be reached directly.
 */
const PROXY_VARIABLES = ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY', 'no_proxy', 'NO_PROXY'];

export interface OsslsigncodeSignRunOptions extends OsslsigncodeRunOptions {
  /** How the password travels (default 'stdin'): the engine picks it from the version (checkOsslsigncodeVersion). */
  passwordRoute?: OsslsigncodePasswordRoute;
}

export async function osslsigncodeSign(runner: ToolRunner, spec: OsslsigncodeSignSpec, options: OsslsigncodeSignRunOptions): Promise<void> {
  const password = spec.credential.password;
  if (password !== undefined) {
    const problem = pipedPasswordProblem(password);
    if (problem) throw new UsageError(`The signing password cannot be given to osslsigncode: ${problem}. Change the password of the key.`);
  }
  const route = password === undefined ? 'stdin' : (options.passwordRoute ?? 'stdin');
  const subject = options.subject ?? path.basename(spec.input);
  const sign = async (passwordSource: string) => {
    try {
      await runner.run({
        tool: osslsigncode,
        args: osslsigncodeSignArgs(spec, passwordSource),
        timeoutMs: options.timeoutMs,
        ...(options.signal ? { signal: options.signal } : {}),
        subject,
        // The password on a pipe, or closed stdin: osslsigncode must never sit waiting at a prompt.
        input: osslsigncodeSignInput(spec.credential, route),
        ...(password ? { secrets: [password] } : {}),
        unsetEnv: PROXY_VARIABLES,
      });
    } catch (err) {
      if (err instanceof ToolFailedError && !err.timedOut) {
        const reason = describeOsslsigncodeFailure(err.raw.stdout, err.raw.stderr);
        throw new OsslsigncodeSignError(
          `osslsigncode could not sign ${spec.input}: ${reason}`,
          reason,
          reachedTimestampServer(err.raw.stdout),
          err.commandLine,
        );
      }
      throw err;
    }
  };
  if (password === undefined || route === 'stdin') return sign('-');
  return withPasswordInFifo(runner, password, { ...(options.signal ? { signal: options.signal } : {}), subject }, sign);
}

export interface OsslsigncodeVerifyResult {
  report: VerifyReport;
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs verify and parses it; a non-zero exit is a result here, not an exception. */
export async function osslsigncodeVerify(
  runner: ToolRunner,
  spec: OsslsigncodeVerifySpec,
  options: OsslsigncodeRunOptions,
): Promise<OsslsigncodeVerifyResult> {
  let exitCode = 0;
  let stdout: string;
  let stderr: string;
  try {
    ({
      raw: { stdout, stderr },
    } = await runner.run({
      tool: osslsigncode,
      args: osslsigncodeVerifyArgs(spec),
      timeoutMs: options.timeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
      subject: options.subject ?? path.basename(spec.input),
      input: '',
    }));
  } catch (err) {
    if (!(err instanceof ToolFailedError) || err.timedOut) throw err;
    exitCode = err.toolExitCode ?? -1;
    ({ stdout, stderr } = err.raw);
  }
  return { report: parseOsslsigncodeVerify(stdout, stderr), exitCode, stdout, stderr };
}

export async function osslsigncodeExtractSignature(
  runner: ToolRunner,
  input: string,
  output: string,
  options: OsslsigncodeRunOptions,
): Promise<void> {
  await runner.run({
    tool: osslsigncode,
    args: osslsigncodeExtractSignatureArgs(input, output),
    timeoutMs: options.timeoutMs,
    ...(options.signal ? { signal: options.signal } : {}),
    subject: options.subject ?? path.basename(input),
    input: '',
  });
}
