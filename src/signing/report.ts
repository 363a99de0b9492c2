// The rule for what we ship, over what a verifier said about a signed file (the report's shape
// is the adapters': src/tools/verifyReport.ts).
//
// Why we parse instead of trusting exit codes: osslsigncode 2.9 exits 0 ("Succeeded") when any
// signature is valid, even when it printed "Timestamp Server Signature verification: failed"
// (a wrong-imprint token, or a TSA we do not trust) or "Timestamp is not available"; signtool
// exits 0 for a valid signature without a timestamp. Outputs recorded in test/fixtures/sign/.

import type { VerifyReport } from '../tools/verifyReport.js';

export type { VerifiedSignature, VerifiedTimestamp, VerifyReport } from '../tools/verifyReport.js';

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
