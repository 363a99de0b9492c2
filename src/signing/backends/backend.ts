// What the signing engine asks of a signing tool: sign a file once, then check the result.
// One implementation per tool (osslsigncode.ts, signtool.ts); failover, pacing and retries are
// the engine's, so they are the same whatever signs.

import { PermanentSigningError } from '../failover.js';
import { shippingProblems, type VerifyReport } from '../report.js';
import type { ToolRunner } from '../../tools/runner.js';
import type { RelayRoute, TimestampRelay } from '../../tsa/relay.js';
import { CancelledError, MissingToolError } from '../../util/errors.js';

/** What one successful attempt learned about the signed file. */
export interface Checked {
  signerSubject: string;
  timestampTime: Date;
}

/** A backend with the credential resolved: sign `input` into `output` once, then check `output`. */
export interface SigningToolBackend {
  sign(input: string, output: string, server: string, signal: AbortSignal, deadlineMs: number): Promise<void>;
  check(file: string, signal: AbortSignal, deadlineMs: number): Promise<Checked>;
}

/** What a backend needs of the engine's options. */
export interface BackendOptions {
  runner: ToolRunner;
  /** Program name shown by Windows (UAC prompt). */
  description?: string;
  /** "More information" link. */
  url?: string;
  verify: { caFile?: string; tsaCaFile?: string; onlineRevocation?: boolean };
  /** Where the signing tool sends its timestamp requests: never to the server itself. */
  relay: TimestampRelay;
}

/**
 * Run one signing attempt with the tool pointed at a fresh relay route to `server`. When the
 * relay refused the server's reply (too large, a token for another request, ...), that reason
 * is the attempt's failure, not the tool's words for the HTTP 502 it got: it names what the
 * server did. The route ends with the attempt.
 */
export async function throughRelay(
  relay: TimestampRelay,
  server: string,
  signal: AbortSignal,
  deadlineMs: number,
  sign: (relayUrl: string, route: RelayRoute) => Promise<void>,
): Promise<void> {
  const route = relay.route(server, { signal, timeoutMs: deadlineMs });
  try {
    await sign(route.url, route);
  } catch (err) {
    if (route.failure !== undefined && !(err instanceof CancelledError) && !(err instanceof MissingToolError)) throw new Error(route.failure);
    throw err;
  } finally {
    route.close();
  }
  // The tool cannot have made a timestamped file from a 502; should it claim so, do not trust it.
  if (route.failure !== undefined) throw new Error(route.failure);
}

/** The description and URL Windows shows for a signed file (both backends take them). */
export function publisherInfo(options: BackendOptions): { description?: string; url?: string } {
  return {
    ...(options.description !== undefined ? { description: options.description } : {}),
    ...(options.url !== undefined ? { url: options.url } : {}),
  };
}

/** The runner's own timeout is only a backstop: the attempt's signal stops the tool first. */
export const backstop = (deadlineMs: number) => deadlineMs + 5_000;

/**
 * Throw if the verifier's report rules the file out: PermanentSigningError when a signature
 * itself is bad (no server can fix that), a plain Error when only the timestamp is (another
 * server may do better).
 */
export function failOnReport(report: VerifyReport): void {
  const problems = shippingProblems(report);
  if (problems.length === 0) return;
  const signatureBad = report.signatures.length === 0 || report.signatures.some((s) => !s.signatureOk || (s.digest !== undefined && s.digest !== 'sha256'));
  const message = `verification failed: ${problems.join('; ')}`;
  throw signatureBad ? new PermanentSigningError(message) : new Error(message);
}
