// The --dev-cert timestamp authority: the PKI made in process, and the RFC 3161 server on
// loopback, judged by the same probe that judges public servers and by openssl.

import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_SIGNER_SUBJECT, DEV_TSA_SUBJECT, makeDevPki, type DevPki } from '../../src/signing/devPki.js';
import { probeTimestampServer } from '../../src/tsa/probe.js';
import { startLocalTimestampAuthority, type LocalTimestampAuthority } from '../../src/tsa/responder.js';
import { parseTimeStampResp } from '../../src/tsa/rfc3161.js';

let dir: string;
let pki: DevPki;
let tsa: LocalTimestampAuthority;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'winship-devtsa-'));
  pki = await makeDevPki();
  tsa = await startLocalTimestampAuthority(pki.tsa);
});
afterAll(async () => {
  await tsa?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the --dev-cert PKI', () => {
  it('is a root that issued a code-signing certificate and a timestamping one, as openssl sees them', async () => {
    await writeFile(join(dir, 'root.pem'), pki.rootPem);
    await writeFile(join(dir, 'chain.pem'), pki.signerChainPem);
    const verified = await execa('openssl', ['verify', '-CAfile', join(dir, 'root.pem'), join(dir, 'chain.pem')], { reject: false });
    expect(verified.stdout).toContain('chain.pem: OK');
    const signer = new X509Certificate(pki.signerChainPem);
    expect(signer.subject).toBe(`CN=${DEV_SIGNER_SUBJECT}`);
    expect(signer.checkIssued(new X509Certificate(pki.rootPem))).toBe(true);
    expect(signer.keyUsage).toEqual(['1.3.6.1.5.5.7.3.3']);
    expect(new Date(signer.validTo).getTime() - Date.now()).toBeLessThanOrEqual(7 * 24 * 3600_000);
  });
});

describe('the local timestamp authority', () => {
  it('passes the probe every public server must pass: signature, critical timeStamping EKU, nonce, imprint, time', async () => {
    const result = await probeTimestampServer(tsa.url, { timeoutMs: 10_000, env: {} });
    expect(result).toMatchObject({ verdict: 'ok', tsaSubject: `CN=${DEV_TSA_SUBJECT}` });
    expect(Math.abs(result.genTime!.getTime() - Date.now())).toBeLessThan(60_000);
  });

  it('answers a request that is not one with a rejection, and nothing but POST /tsa', async () => {
    const bad = await fetch(tsa.url, { method: 'POST', headers: { 'Content-Type': 'application/timestamp-query' }, body: new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]) });
    expect(bad.status).toBe(200);
    expect(parseTimeStampResp(new Uint8Array(await bad.arrayBuffer()))).toMatchObject({ status: 2, failInfo: ['badDataFormat'] });
    expect((await fetch(tsa.url)).status).toBe(404);
    expect((await fetch(tsa.url.replace('/tsa', '/other'), { method: 'POST', body: 'x' })).status).toBe(404);
  });
});
