import { describe, expect, it } from 'vitest';
import { CODE_SIGNING_EKU, judgeCertificate, type CertificateFacts } from '../../../src/signing/certificateCheck.js';

const now = new Date('2026-12-01T12:00:00Z');
const cert = (o: Partial<CertificateFacts> = {}): CertificateFacts => ({
  subject: 'CN=Example',
  validFrom: new Date('2026-01-01T00:00:00Z'),
  validTo: new Date('2028-01-01T00:00:00Z'),
  extendedKeyUsages: [CODE_SIGNING_EKU],
  ...o,
});

describe('judgeCertificate', () => {
  it('passes a valid code-signing certificate', () => {
    expect(judgeCertificate(cert(), now)).toEqual({ errors: [], warnings: [] });
  });

  it('refuses an expired one and one not valid yet, naming the dates', () => {
    expect(judgeCertificate(cert({ validTo: new Date('2026-11-30T23:59:59Z') }), now).errors).toEqual([
      'expired on 2026-11-30: renew it (a timestamp keeps old signatures valid, but nothing new can be signed with it)',
    ]);
    expect(judgeCertificate(cert({ validFrom: new Date('2026-12-02T00:00:00Z') }), now).errors).toEqual(['is not valid yet: valid from 2026-12-02T00:00:00.000Z']);
  });

  it('warns 30 days before it expires', () => {
    const v = judgeCertificate(cert({ validTo: new Date('2026-12-11T12:00:00Z') }), now);
    expect(v.errors).toEqual([]);
    expect(v.warnings).toEqual(['expires on 2026-12-11, in 10 days: renew it soon']);
    expect(judgeCertificate(cert({ validTo: new Date('2027-01-01T12:00:01Z') }), now).warnings).toEqual([]);
  });

  it('refuses a certificate whose extendedKeyUsage lacks codeSigning; accepts anyExtendedKeyUsage; warns without one', () => {
    expect(judgeCertificate(cert({ extendedKeyUsages: ['1.3.6.1.5.5.7.3.8'] }), now).errors).toEqual([
      `may not sign code: its extendedKeyUsage is 1.3.6.1.5.5.7.3.8, without codeSigning (${CODE_SIGNING_EKU}); Windows rejects what it signs`,
    ]);
    expect(judgeCertificate(cert({ extendedKeyUsages: ['2.5.29.37.0'] }), now).errors).toEqual([]);
    expect(judgeCertificate(cert({ extendedKeyUsages: undefined }), now).warnings[0]).toMatch(/^has no extendedKeyUsage/);
  });
});
