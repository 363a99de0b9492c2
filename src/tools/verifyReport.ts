// What a verifier (osslsigncode verify, signtool verify /pa /all /v) said about a signed file,
// in one shape for both adapters. The rule for what may ship is signing's: src/signing/report.ts.

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
  /** File digest algorithm in lower case without dashes: "sha256", "sha1" (see digestName). */
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
 * A digest algorithm as the verifiers print it ("SHA256", "sha-256", "SHA1") in the form
 * VerifiedSignature.digest holds: lower case, no dashes ("sha256"). Both parsers use it, so a
 * report compares the same whichever tool wrote it.
 */
export function digestName(printed: string): string {
  return printed.toLowerCase().replace(/-/g, '');
}
