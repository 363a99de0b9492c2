// signtool as a signing backend (Windows): it signs in place, so it signs a copy.

import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import { SigntoolSignError, signtoolSign, signtoolVerify, type SigntoolCredential } from '../../tools/signtool.js';
import { UsageError } from '../../util/errors.js';
import { SIGNTOOL_PFX_REFUSED, type SigningCredential } from '../credentials.js';
import { PermanentSigningError } from '../failover.js';
import { backstop, failOnReport, publisherInfo, throughRelay, type BackendOptions, type SigningToolBackend } from './backend.js';

export function signtoolBackend(options: BackendOptions, credential: SigntoolCredential): SigningToolBackend {
  const { runner } = options;
  return {
    async sign(input, output, server, signal, deadlineMs) {
      // signtool signs in place: sign a copy, which produceAtomic then moves over the original.
      if (!runner.dryRun) await copyFile(input, output);
      // signtool talks to the relay on loopback, never to the server itself (src/tsa/relay.ts).
      await throughRelay(options.relay, server, signal, deadlineMs, async (relayUrl) => {
        try {
          await signtoolSign(
            runner,
            {
              file: output,
              credential,
              digest: 'sha256',
              timestampUrl: relayUrl,
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
      });
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

export function toSigntoolCredential(credential: SigningCredential): SigntoolCredential {
  switch (credential.kind) {
    case 'pkcs12':
      throw new UsageError(SIGNTOOL_PFX_REFUSED);
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
