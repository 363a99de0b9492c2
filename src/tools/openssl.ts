import { ToolFailedError, type Tool, type ToolRunner } from './runner.js';

export const openssl: Tool = { name: 'openssl', command: 'openssl', install: 'apt-get install openssl' };

/**
 * The certificate of a PKCS#12 file's key (`-clcerts -nokeys`: no key leaves the file), PEM.
 * The password goes on stdin (`-passin stdin`), never in argv. A file encrypted the old way
 * (RC2, 3DES: most Windows exports before 2020) needs OpenSSL 3's legacy provider: tried next.
 */
export async function openPkcs12Certificate(runner: ToolRunner, pfx: string, password: string): Promise<{ pem: string } | { problem: string }> {
  let last = '';
  for (const legacy of [false, true]) {
    try {
      const { raw } = await runner.run({
        tool: openssl,
        args: ['pkcs12', '-in', pfx, '-clcerts', '-nokeys', '-passin', 'stdin', ...(legacy ? ['-legacy'] : [])],
        input: `${password}\n`,
        timeoutMs: 60_000,
        readOnly: true,
      });
      if (raw.stdout.includes('BEGIN CERTIFICATE')) return { pem: raw.stdout.slice(raw.stdout.indexOf('-----BEGIN CERTIFICATE')) };
      return { problem: 'holds no certificate for its key' };
    } catch (err) {
      if (!(err instanceof ToolFailedError) || err.timedOut) throw err; // cancelled, not installed, hung
      const stderr = err.raw.stderr;
      if (/mac verify error|invalid password/i.test(stderr)) return { problem: 'the password does not open it (openssl: "Mac verify error: invalid password?")' };
      if (/no such file|could not open/i.test(stderr)) return { problem: 'cannot be read' };
      last = stderr.trim().split('\n')[0] ?? '';
      if (!/unsupported|legacy/i.test(stderr)) break;
    }
  }
  return { problem: `is not a PKCS#12 file openssl can read (${last})` };
}
