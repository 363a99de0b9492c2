import type { Tool, ToolRunner } from './runner.js';

export const openssl: Tool = { name: 'openssl', command: 'openssl', install: 'apt-get install openssl' };

/** argv for a self-signed code-signing certificate: EC P-256, codeSigning EKU, short-lived. */
export function selfSignedCodeSigningArgs(opts: { keyOut: string; certOut: string; subject: string; days: number }): string[] {
  return [
    'req', '-x509', '-new',
    '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256',
    '-nodes', '-keyout', opts.keyOut, '-out', opts.certOut,
    '-days', String(opts.days),
    '-subj', opts.subject,
    '-addext', 'basicConstraints=critical,CA:FALSE',
    '-addext', 'keyUsage=critical,digitalSignature',
    '-addext', 'extendedKeyUsage=codeSigning',
  ];
}

export async function makeSelfSignedCodeSigningCert(runner: ToolRunner, opts: { keyOut: string; certOut: string; subject: string; days: number }): Promise<void> {
  await runner.run({ tool: openssl, args: selfSignedCodeSigningArgs(opts), timeoutMs: 60_000 });
}
