// An MSIX written by winship (src/msix/), checked by what shares nothing with it: unzip,
// Python's zipfile and block map recomputation (test/fixtures/msix/check_msix.py), xmllint
// with Microsoft's schemas, and osslsigncode, which signs it (through the signing engine,
// with an RFC 3161 timestamp from a local TSA) and verifies it.

import { createHash, randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signFiles } from '../../src/signing/engine.js';
import { publisherOfCertificate } from '../../src/signing/publisher.js';
import { parseOsslsigncodeVerify } from '../../src/tools/osslsigncode.js';
import { shippingProblems } from '../../src/signing/report.js';
import { renderManifest, type ManifestModel } from '../../src/msix/manifest.js';
import { buildMsix, type MsixPayloadFile } from '../../src/msix/package.js';
import { encodePng, solidImage } from '../../src/msix/png.js';
import { buildTinyWindowsExe, pfxSignOptions } from '../fixtures/sign/support.js';
import { expectSignedAndTimestamped, expectValidMsix, inspectMsix, osslsigncodeVerifyOutput } from '../fixtures/msix/support.js';
import { createTestPki, type TestPki } from '../support/pki.js';
import { startTsaFleet, type TsaFleet } from '../support/tsa-fleet.js';

let dir: string;
let pki: TestPki;
let fleet: TsaFleet;
let payload: MsixPayloadFile[];
let manifest: string;

/** Install path → the zip entry name, spelled out here (not computed by the code under test). */
const PARTS: Record<string, string> = {
  'hello.exe': 'hello.exe',
  'LICENSE': 'LICENSE',
  'docs/Read me (1).txt': 'docs/Read%20me%20%281%29.txt',
  'docs/Überblick.md': 'docs/%C3%9Cberblick.md',
  'data/blob.zip': 'data/blob.zip',
  'data/empty.txt': 'data/empty.txt',
  'Assets/StoreLogo.png': 'Assets/StoreLogo.png',
  'Assets/Square150x150Logo.png': 'Assets/Square150x150Logo.png',
  'Assets/Square44x44Logo.png': 'Assets/Square44x44Logo.png',
};

const DATE = new Date('2026-03-14T15:09:26Z');

const model = (publisher: string): ManifestModel => ({
  identity: { name: 'WinshipTest.Hello', publisher, version: '1.4.0.0', arch: 'x64' },
  displayName: 'Hello & friends',
  publisherDisplayName: 'Winship Tests',
  description: 'Says "hello"',
  logos: { store: 'Assets/StoreLogo.png', square150: 'Assets/Square150x150Logo.png', square44: 'Assets/Square44x44Logo.png' },
  minVersion: '10.0.17763.0',
  maxVersionTested: '10.0.26100.0',
  languages: ['en-us', 'de-de'],
  application: { id: 'Hello', executable: 'hello.exe', displayName: 'Hello & friends', description: 'Says "hello"', backgroundColor: '#1E90FF', startMenu: false, alias: 'hello.exe' },
});

async function writePackage(name: string): Promise<string> {
  const built = buildMsix({ payload, manifest, date: DATE });
  const file = path.join(dir, name);
  await writeFile(file, built.chunks);
  return file;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'winship-msix-'));
  pki = await createTestPki(path.join(dir, 'pki'));
  fleet = await startTsaFleet(pki, [{ kind: 'healthy', name: 'tsa' }]);
  const exe = await readFile(await buildTinyWindowsExe(path.join(dir, 'go')));
  payload = [
    { path: 'hello.exe', data: exe },
    { path: 'LICENSE', data: Buffer.from('MIT License\n') },
    { path: 'docs/Read me (1).txt', data: Buffer.from('read me\n'.repeat(20_000)) },
    { path: 'docs/Überblick.md', data: Buffer.from('# Überblick\n') },
    // Random bytes: a stored file of several blocks.
    { path: 'data/blob.zip', data: randomBytes(3 * 65536 + 17) },
    { path: 'data/empty.txt', data: Buffer.alloc(0) },
    { path: 'Assets/StoreLogo.png', data: encodePng(solidImage(50, '#1E90FF')) },
    { path: 'Assets/Square150x150Logo.png', data: encodePng(solidImage(150, '#1E90FF')) },
    { path: 'Assets/Square44x44Logo.png', data: encodePng(solidImage(44, '#1E90FF')) },
  ];
  manifest = renderManifest(model(publisherOfCertificate(await readFile(pki.codeSigning.certPath, 'utf8'))));
});

afterAll(async () => {
  await fleet?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const sha = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

describe('an MSIX package built by winship', () => {
  it('passes unzip -t, Python zipfile and its own block map check; each XML file validates against Microsoft\'s schema', async () => {
    const msix = await writePackage('hello.msix');
    const report = await expectValidMsix(msix);
    const names = report.entries.map((e) => e.name);
    // The payload sorted by install path, then the footprint files in the packaging SDK's order.
    expect(names).toEqual([...Object.keys(PARTS)].sort().map((p) => PARTS[p]).concat(['AppxManifest.xml', 'AppxBlockMap.xml', '[Content_Types].xml']));
    // Byte for byte: what Python's zipfile extracts is what was packed.
    for (const file of payload) {
      const part = PARTS[file.path]!;
      expect(sha(await readFile(path.join(report.dir, 'files', part))), file.path).toBe(sha(file.data));
    }
    // As makeappx lays it out: version 4.5, bit 3, no extra fields; PNG and zip stored, the rest deflated.
    for (const e of report.entries) expect([e.version, e.flags, e.extra], e.name).toEqual([45, 8, 0]);
    const method = Object.fromEntries(report.entries.map((e) => [e.name, e.method]));
    expect([method['data/blob.zip'], method['Assets/StoreLogo.png'], method['hello.exe'], method['docs/Read%20me%20%281%29.txt']]).toEqual([0, 0, 8, 8]);
    // Every payload file and the manifest are in the block map, with their sizes and block counts.
    const mapped = Object.fromEntries(report.files.map((f) => [f.part, f]));
    expect(mapped['data/blob.zip']).toMatchObject({ name: 'data\\blob.zip', size: 3 * 65536 + 17, blocks: 4, lfh: 30 + 'data/blob.zip'.length });
    expect(mapped['data/empty.txt']).toMatchObject({ size: 0, blocks: 0 });
    expect(mapped['hello.exe']!.blocks).toBe(Math.ceil(payload[0]!.data.length / 65536));
    expect(Object.keys(mapped)).toContain('AppxManifest.xml');
    expect(Object.keys(mapped)).not.toContain('AppxBlockMap.xml');
  });

  it('the same input gives the same bytes', async () => {
    const a = await readFile(await writePackage('a.msix'));
    const b = await readFile(await writePackage('b.msix'));
    expect(sha(a)).toBe(sha(b));
  });

  it('the oracle is not fooled: the same files zipped by a general zip library fail the block map check', async () => {
    const report = await inspectMsix(await writePackage('source.msix'));
    const repacked = path.join(dir, 'repacked.msix');
    // zipfile deflates each file as one stream (no full flush per block), and puts the sizes in the local header.
    const script = `import zipfile,sys,os
src=zipfile.ZipFile(sys.argv[1]); out=zipfile.ZipFile(sys.argv[2],'w',zipfile.ZIP_DEFLATED)
for i in src.infolist(): out.writestr(i.filename, src.read(i.filename), i.compress_type)
out.close()`;
    await execa('python3', ['-c', script, path.join(dir, 'source.msix'), repacked]);
    const broken = await inspectMsix(repacked);
    expect(report.problems).toEqual([]);
    expect(broken.problems.join('\n')).toMatch(/hello\.exe: block \d+ (does not inflate on its own|inflates to other bytes)|hello\.exe: block sizes add up/);
  });
});

describe('an MSIX package signed through the signing engine', () => {
  it('is signed with an RFC 3161 timestamp, verifies with osslsigncode, and still passes every structural check', async () => {
    const msix = await writePackage('signed.msix');
    const [record] = await signFiles(pfxSignOptions({ file: msix, pfx: pki.codeSigning.pfxPath, password: pki.codeSigning.pfxPassword, servers: [fleet.url('tsa')], roots: pki.rootBundlePath }));
    expect(record).toMatchObject({ signerSubject: pki.codeSigning.subject, digest: 'sha256', timestampServer: fleet.url('tsa') });
    // The Publisher written from the certificate is the signer osslsigncode reports.
    expect(manifest).toContain(`Publisher="${pki.codeSigning.subject}"`);
    const { output } = await osslsigncodeVerifyOutput(msix, pki.rootBundlePath);
    expectSignedAndTimestamped(output);
    // Signing appended AppxSignature.p7x and its content type, and left every header and block as it was.
    const report = await expectValidMsix(msix);
    expect(report.entries.at(-1)!.name).toBe('AppxSignature.p7x');
    expect(await readFile(path.join(report.dir, '[Content_Types].xml'), 'utf8')).toContain('<Override PartName="/AppxSignature.p7x" ContentType="application/vnd.ms-appx.signature"/>');
  });

  it('fails verification once a payload byte changed after signing', async () => {
    const msix = await writePackage('tampered.msix');
    await signFiles(pfxSignOptions({ file: msix, pfx: pki.codeSigning.pfxPath, password: pki.codeSigning.pfxPassword, servers: [fleet.url('tsa')], roots: pki.rootBundlePath }));
    const tampered = path.join(dir, 'tampered-copy.msix');
    await copyFile(msix, tampered);
    const report = await inspectMsix(msix);
    const blob = report.entries.find((e) => e.name === 'data/blob.zip')!;
    const bytes = await readFile(tampered);
    // The stored blob's data starts after its local header; flip one byte of it (its CRC and the signature no longer match).
    const offset = bytes.indexOf(Buffer.from('data/blob.zip')) + 'data/blob.zip'.length + 100;
    expect(blob.method).toBe(0);
    bytes[offset] = bytes[offset]! ^ 0xff;
    await writeFile(tampered, bytes);
    const { output } = await osslsigncodeVerifyOutput(tampered, pki.rootBundlePath);
    expect(output).toMatch(/MISMATCH/);
    expect(output).toMatch(/^Failed$/m);
    expect(output).not.toMatch(/^Succeeded$/m);
    // And winship's own reading of the verifier calls it unshippable.
    const r = await execa('osslsigncode', ['verify', '-CAfile', pki.rootBundlePath, '-TSA-CAfile', pki.rootBundlePath, '-in', tampered], { reject: false });
    expect(shippingProblems(parseOsslsigncodeVerify(String(r.stdout), String(r.stderr))).length).toBeGreaterThan(0);
  });

  it('reads the Publisher from a PFX and from a PEM the way osslsigncode names the signer', async () => {
    const { certificatePublisher } = await import('../../src/signing/publisher.js');
    const { ToolRunner } = await import('../../src/tools/runner.js');
    const runner = new ToolRunner({ dryRun: false, signal: new AbortController().signal });
    expect(await certificatePublisher(runner, { kind: 'pkcs12', pfx: pki.codeSigning.pfxPath, password: pki.codeSigning.pfxPassword })).toEqual({ publisher: pki.codeSigning.subject, from: pki.codeSigning.pfxPath });
    expect(await certificatePublisher(runner, { kind: 'pem', cert: pki.codeSigning.certPath, key: pki.codeSigning.keyPath })).toEqual({ publisher: pki.codeSigning.subject, from: pki.codeSigning.certPath });
    expect(await certificatePublisher(runner, { kind: 'pkcs12', pfx: pki.codeSigning.pfxPath, password: 'wrong' })).toMatchObject({ unreadable: expect.stringContaining('the password does not open it') });
    expect(await certificatePublisher(runner, { kind: 'thumbprint', sha1: 'A'.repeat(40) })).toMatchObject({ unreadable: expect.stringContaining('Windows certificate store') });
  });
});
