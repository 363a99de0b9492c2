// What a verifier (osslsigncode verify, signtool verify /pa /all /v) said about a signed file,
// in one shape for both backends, and the rule for what we ship.
//
// Why we parse instead of trusting exit codes: osslsigncode 2.9 exits 0 ("Succeeded") when any
// signature is valid, even when it printed "Timestamp Server Signature verification: failed"
// (a wrong-imprint token, or a TSA we do not trust) or "Timestamp is not available"; signtool
// exits 0 for a valid signature without a timestamp. Outputs recorded in test/fixtures/sign/.

export interface VerifiedTimestamp {
  /** The time the TSA vouched for (osslsigncode: UTC; signtool: the verifying machine's local time). */
  time?: Date;
  /** The timestamp token's signature and its certificate chain verified. */
  serverSignatureOk: boolean;
}

export interface VerifiedSignature {
  /**
   * The signer: "CN=…, O=…" (most specific first) from osslsigncode; signtool prints only the
   * certificate's display name ("Issued to"), which is given as it is.
   */
  signerSubject?: string;
  /** File digest algorithm in lower case without dashes: "sha256", "sha1". */
  digest?: string;
  /** The signature matches the file and its certificate chain verified. */
  signatureOk: boolean;
  /** Absent when the signature has no timestamp. */
  timestamp?: VerifiedTimestamp;
}

export interface VerifyReport {
  /** In file order: index 0 is the primary signature, later ones are nested (appended) signatures. */
  signatures: VerifiedSignature[];
  /** The tool's own overall verdict (its last line / summary counts): not enough on its own. */
  succeeded: boolean;
  /** Everything the tool reported as wrong, in its words, one sentence each. */
  problems: string[];
}

/**
 * Why this file must not ship, or [] when every signature is valid, SHA-256 and carries a
 * verified timestamp. Strict on purpose: a release signs fresh files, so anything less is a
 * failure of this run, not a legacy to tolerate.
 */
export function shippingProblems(report: VerifyReport): string[] {
  const problems: string[] = [];
  if (report.signatures.length === 0) {
    problems.push(report.problems[0] ? `no signature found (${report.problems[0]})` : 'no signature found');
    return problems;
  }
  report.signatures.forEach((s, i) => {
    const which = report.signatures.length > 1 ? `signature ${i}` : 'the signature';
    if (!s.signatureOk) problems.push(`${which} does not verify`);
    if (s.digest !== undefined && s.digest !== 'sha256') problems.push(`${which} uses ${s.digest}, not sha256`);
    if (!s.timestamp) problems.push(`${which} has no timestamp`);
    else if (!s.timestamp.serverSignatureOk) problems.push(`the timestamp on ${which} does not verify`);
  });
  if (problems.length > 0 && report.problems.length > 0) {
    problems.push(`verifier said: ${report.problems.join('; ')}`);
  }
  return problems;
}
