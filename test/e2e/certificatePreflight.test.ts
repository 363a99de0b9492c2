// The signing certificate is checked before anything builds: the PFX opens with its password,
// the certificate is valid and may sign code, a PEM key opens and belongs to its certificate.
// Real PKCS#12 and PEM files from a PKI made now; openssl opens the PFX (password on stdin).

import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { commitAll, makeGitProject, repoRoot, runRelease } from '../support/cli.js';
import { createTestPki, type TestPki } from '../support/pki.js';

const fixture = join(repoRoot, 'test', 'fixtures', 'goapp');
let work: string;
let pki: TestPki;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'winship-certcheck-'));
  pki = await createTestPki(join(work, 'pki'));
});

const config = (certificate: string) => `project:
  name: goapp
  vendor: V
builds:
  - binary: goapp
    targets: [windows/amd64]
sign:
  certificate:
${certificate}
timestamp:
  servers: [http://127.0.0.1:9/]
  probe: false
`;

async function build(name: string, certificate: string, password: string): Promise<{ exitCode: number; stderr: string; dir: string }> {
  const dir = await makeGitProject(fixture, join(work, name));
  await writeFile(join(dir, 'release.yaml'), config(certificate));
  await commitAll(dir, name, { tag: 'v1.0.0' });
  const r = await runRelease(['build'], { cwd: dir, env: { WINSHIP_PFX_PASSWORD: password } });
  return { ...r, dir };
}

describe('the signing certificate, checked before the first go build', () => {
  it('a wrong PFX password: exit 2 at sign.certificate.pfx, nothing built, the password nowhere in the output', async () => {
    const wrong = `${pki.codeSigning.pfxPassword}x`;
    const r = await build('wrong-password', `    pfx: ${pki.codeSigning.pfxPath}`, wrong);
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toContain(`release.yaml:9:10: sign.certificate.pfx: ${pki.codeSigning.pfxPath}: the password does not open it`);
    expect(r.stderr).not.toContain(wrong);
    expect(existsSync(join(r.dir, 'dist', 'goapp_windows_amd64', 'goapp.exe'))).toBe(false);
  });

  it('an expired certificate: exit 2 with the date it expired', async () => {
    const r = await build('expired', `    pfx: ${pki.expiredCodeSigning.pfxPath}`, pki.expiredCodeSigning.pfxPassword);
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toContain(`sign.certificate.pfx: ${pki.expiredCodeSigning.pfxPath}: the certificate expired on ${pki.expiredCodeSigning.notAfter.toISOString().slice(0, 10)}`);
    expect(existsSync(join(r.dir, 'dist', 'goapp_windows_amd64', 'goapp.exe'))).toBe(false);
  });

  it('a certificate without codeSigning, and a key of another certificate: both listed', async () => {
    // The TSA's certificate (timeStamping only), with the code-signing certificate's key.
    const r = await build('wrong-purpose', `    cert: ${pki.tsa.certPath}\n    key: ${pki.codeSigning.keyPath}`, '');
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toContain(`${pki.codeSigning.keyPath}: the key does not belong to the certificate`);
    expect(r.stderr).toContain(`${pki.tsa.certPath}: the certificate may not sign code: its extendedKeyUsage is 1.3.6.1.5.5.7.3.8, without codeSigning`);
  });

  it('a good PFX passes the check (the run then goes on to build)', async () => {
    const r = await build('good', `    pfx: ${pki.codeSigning.pfxPath}`, pki.codeSigning.pfxPassword);
    // No time-stamp server listens on port 9: signing fails, after the build.
    expect(r.stderr).not.toContain('sign.certificate.pfx:');
    expect(existsSync(join(r.dir, 'dist', 'goapp_windows_amd64', 'goapp.exe'))).toBe(true);
  });
});
