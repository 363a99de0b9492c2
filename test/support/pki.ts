// A throw-away PKI for tests, made with the real openssl CLI so the files are exactly what
// osslsigncode and `openssl ts` expect in production.
//
//   const pki = await createTestPki(dir);
//   osslsigncode sign -pkcs12 pki.codeSigning.pfxPath -readpass pki.codeSigning.pfxPasswordFile ...
//   osslsigncode verify -CAfile pki.rootBundlePath -TSA-CAfile pki.rootBundlePath ...
//
// Keys are EC P-256: fast to make, and osslsigncode 2.9, `openssl ts -reply` and pkijs all
// handle them. Certificates are issued with `openssl ca` because it takes explicit start and
// end dates (openssl 3.0's `x509 -req` cannot back-date, so it cannot make an expired cert).

import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';

export interface TestCertificate {
  /** PEM certificate. */
  certPath: string;
  /** Unencrypted PKCS#8 PEM private key. */
  keyPath: string;
  /** Subject, most specific first, as formatDistinguishedName prints it: "CN=…, O=…". */
  subject: string;
  notBefore: Date;
  notAfter: Date;
}

export interface TestSigningCertificate extends TestCertificate {
  /** PKCS#12 with key, certificate and root; PBES2/AES-256-CBC + SHA-256 MAC (OpenSSL 3 default, no -legacy). */
  pfxPath: string;
  pfxPassword: string;
  /** The password followed by a newline, mode 0600: for `osslsigncode -readpass FILE`. */
  pfxPasswordFile: string;
}

export interface TestPki {
  dir: string;
  /** Self-signed CA that issued every other certificate. */
  root: TestCertificate;
  /** PEM bundle of trusted roots (just `root`): for -CAfile and -TSA-CAfile. */
  rootBundlePath: string;
  /** EKU codeSigning, valid from yesterday for 5 years. */
  codeSigning: TestSigningCertificate;
  /** EKU codeSigning, expired two years ago. */
  expiredCodeSigning: TestSigningCertificate;
  /** Like codeSigning, and names a CRL distribution point that cannot be reached, as commercial certificates name one. */
  codeSigningWithCrl: TestSigningCertificate;
  /** EKU critical timeStamping only, as RFC 3161 §2.3 requires: `openssl ts -reply` accepts it. */
  tsa: TestCertificate;
  /** Same shape as `tsa` but with no extendedKeyUsage: `openssl ts -reply` refuses to sign with it. */
  tsaWithoutEku: TestCertificate;
  /**
   * A TLS server certificate (EKU serverAuth) for https:// time-stamp servers on loopback: names
   * TLS_SERVER_NAMES and 127.0.0.1.
   */
  tlsServer: TestCertificate;
}

/** The DNS names the test TLS server certificate is valid for (a test proxy resolves them to 127.0.0.1). */
export const TLS_SERVER_NAMES = ['tsa.test', 'localhost'] as const;

const DAY_MS = 24 * 60 * 60 * 1000;
const ORG = 'Winship Tests';

/** Extension sections for `openssl ca -extensions NAME`. */
const CA_CONFIG = `# Written by test/support/pki.ts
[ca]
default_ca = test_ca

[test_ca]
database = ./index.txt
serial = ./serial
new_certs_dir = ./issued
default_md = sha256
policy = policy_any
# Keep the subject in the order of the request (O first, CN last), as real certificates have it.
preserve = yes
email_in_dn = no
copy_extensions = none
unique_subject = no

[policy_any]
organizationName = optional
commonName = supplied

[root_ext]
basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash

[code_signing_ext]
basicConstraints = CA:false
keyUsage = critical,digitalSignature
extendedKeyUsage = codeSigning
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[code_signing_with_cdp_ext]
basicConstraints = CA:false
keyUsage = critical,digitalSignature
extendedKeyUsage = codeSigning
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
# Port 9 on loopback: nothing listens, so a CRL fetch fails at once (as on a CI runner without egress).
crlDistributionPoints = URI:http://127.0.0.1:9/winship-test.crl

[tsa_ext]
basicConstraints = CA:false
keyUsage = critical,digitalSignature
extendedKeyUsage = critical,timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[tls_server_ext]
basicConstraints = CA:false
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:tsa.test, DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[tsa_without_eku_ext]
basicConstraints = CA:false
keyUsage = critical,digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`;

interface IssueSpec {
  name: string;
  commonName: string;
  extensions: string;
  notBefore: Date;
  notAfter: Date;
}

/** Create the PKI under `dir` (created if missing). Takes well under a second. */
export async function createTestPki(dir: string): Promise<TestPki> {
  const root = path.resolve(dir);
  await mkdir(path.join(root, 'issued'), { recursive: true });
  await writeFile(path.join(root, 'ca.cnf'), CA_CONFIG);
  await writeFile(path.join(root, 'index.txt'), '');
  await writeFile(path.join(root, 'index.txt.attr'), 'unique_subject = no\n');
  await writeFile(path.join(root, 'serial'), `${randomBytes(8).toString('hex').toUpperCase()}\n`);

  const now = Date.now();
  const specs = {
    root: spec('root', 'Winship Test Root', 'root_ext', now - 5 * 365 * DAY_MS, now + 20 * 365 * DAY_MS),
    codeSigning: spec('code-signing', 'Winship Test Code Signing', 'code_signing_ext', now - DAY_MS, now + 5 * 365 * DAY_MS),
    expiredCodeSigning: spec(
      'expired-code-signing',
      'Winship Test Expired Code Signing',
      'code_signing_ext',
      now - 3 * 365 * DAY_MS,
      now - 2 * 365 * DAY_MS,
    ),
    codeSigningWithCrl: spec('code-signing-crl', 'Winship Test Code Signing With CRL', 'code_signing_with_cdp_ext', now - DAY_MS, now + 5 * 365 * DAY_MS),
    tsa: spec('tsa', 'Winship Test TSA', 'tsa_ext', now - DAY_MS, now + 10 * 365 * DAY_MS),
    tsaWithoutEku: spec('tsa-without-eku', 'Winship Test TSA Without EKU', 'tsa_without_eku_ext', now - DAY_MS, now + 10 * 365 * DAY_MS),
    tlsServer: spec('tls-server', 'tsa.test', 'tls_server_ext', now - DAY_MS, now + 365 * DAY_MS),
  };

  // Keys and requests are independent; `openssl ca` updates one database, so it runs serially.
  await Promise.all(Object.values(specs).map((s) => makeKeyAndRequest(root, s)));
  const rootCert = await issue(root, specs.root, { selfSign: true });
  const rootBundlePath = path.join(root, 'roots.pem');
  await writeFile(rootBundlePath, await readFile(rootCert.certPath));

  const codeSigning = await issue(root, specs.codeSigning);
  const expiredCodeSigning = await issue(root, specs.expiredCodeSigning);
  const codeSigningWithCrl = await issue(root, specs.codeSigningWithCrl);
  const tsa = await issue(root, specs.tsa);
  const tsaWithoutEku = await issue(root, specs.tsaWithoutEku);
  const tlsServer = await issue(root, specs.tlsServer);

  return {
    dir: root,
    root: rootCert,
    rootBundlePath,
    codeSigning: await exportPfx(root, 'code-signing', codeSigning, rootCert),
    expiredCodeSigning: await exportPfx(root, 'expired-code-signing', expiredCodeSigning, rootCert),
    codeSigningWithCrl: await exportPfx(root, 'code-signing-crl', codeSigningWithCrl, rootCert),
    tsa,
    tsaWithoutEku,
    tlsServer,
  };
}

function spec(name: string, commonName: string, extensions: string, notBefore: number, notAfter: number): IssueSpec {
  // Whole seconds: certificate times have no fraction, and tests compare these dates.
  const second = (t: number) => new Date(Math.floor(t / 1000) * 1000);
  return { name, commonName, extensions, notBefore: second(notBefore), notAfter: second(notAfter) };
}

async function makeKeyAndRequest(dir: string, s: IssueSpec): Promise<void> {
  await openssl(dir, [
    'req', '-new',
    '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256',
    '-nodes', '-keyout', `${s.name}.key`,
    '-subj', `/O=${ORG}/CN=${s.commonName}`,
    '-out', `${s.name}.csr`,
  ]);
}

async function issue(dir: string, s: IssueSpec, options: { selfSign?: boolean } = {}): Promise<TestCertificate> {
  const signer = options.selfSign ? ['-selfsign'] : ['-cert', 'root.pem'];
  await openssl(dir, [
    'ca', '-batch', '-config', 'ca.cnf', '-notext',
    ...signer, '-keyfile', 'root.key',
    '-in', `${s.name}.csr`, '-out', `${s.name}.pem`,
    '-startdate', asn1Time(s.notBefore), '-enddate', asn1Time(s.notAfter),
    '-extensions', s.extensions,
  ]);
  return {
    certPath: path.join(dir, `${s.name}.pem`),
    keyPath: path.join(dir, `${s.name}.key`),
    subject: `CN=${s.commonName}, O=${ORG}`,
    notBefore: s.notBefore,
    notAfter: s.notAfter,
  };
}

async function exportPfx(
  dir: string,
  name: string,
  cert: TestCertificate,
  root: TestCertificate,
): Promise<TestSigningCertificate> {
  const pfxPassword = randomBytes(12).toString('base64url');
  const pfxPasswordFile = path.join(dir, `${name}.pfx-password`);
  await writeFile(pfxPasswordFile, `${pfxPassword}\n`, { mode: 0o600 });
  const pfxPath = path.join(dir, `${name}.pfx`);
  await openssl(dir, [
    'pkcs12', '-export',
    '-in', cert.certPath, '-inkey', cert.keyPath, '-certfile', root.certPath,
    '-name', name,
    // The OpenSSL 3 defaults, spelled out so a different openssl.cnf cannot weaken them.
    '-keypbe', 'AES-256-CBC', '-certpbe', 'AES-256-CBC', '-macalg', 'sha256',
    // Password from a file, never on the command line (visible in `ps`).
    '-passout', `file:${pfxPasswordFile}`,
    '-out', pfxPath,
  ]);
  return { ...cert, pfxPath, pfxPassword, pfxPasswordFile };
}

/** YYYYMMDDHHMMSSZ, the form `openssl ca -startdate/-enddate` takes. */
function asn1Time(date: Date): string {
  return `${date.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
}

async function openssl(cwd: string, args: string[]): Promise<void> {
  const result = await execa('openssl', args, { cwd, reject: false, stdin: 'ignore' });
  if (result.exitCode !== 0) {
    throw new Error(`openssl ${args[0]} failed (exit ${result.exitCode}):\n${result.stderr}`);
  }
}
