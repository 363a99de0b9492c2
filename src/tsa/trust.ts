// Which roots an https:// time-stamp server's certificate is checked against: Node's bundled
// roots and the system's, as osslsigncode and curl (OpenSSL's default store) would trust.
//
// Why not Node's defaults alone: before the relay, osslsigncode itself made these requests
// and trusted the system store, where a company puts the root of its TLS-inspecting proxy.
// Node 20 has no API for that store (tls.getCACertificates('system') is Node 22.15+), so the
// bundle file OpenSSL reads is loaded once: SSL_CERT_FILE, else the distribution's usual path.
// Node's bundled roots and NODE_EXTRA_CA_CERTS stay in.

import { readFileSync } from 'node:fs';
import tls from 'node:tls';

/** Where OpenSSL's default bundle is, most specific first (Debian/Ubuntu, Fedora/RHEL, macOS/Alpine/BSD). */
export function systemBundleCandidates(env: NodeJS.ProcessEnv): string[] {
  return [
    ...(env.SSL_CERT_FILE ? [env.SSL_CERT_FILE] : []),
    '/etc/ssl/certs/ca-certificates.crt',
    '/etc/pki/tls/certs/ca-bundle.crt',
    '/etc/ssl/cert.pem',
  ];
}

let cached: tls.SecureContext | undefined | null;

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function certificatesIn(file: string | undefined): string[] {
  if (!file) return [];
  try {
    return readFileSync(file, 'utf8').match(PEM_CERTIFICATE) ?? [];
  } catch {
    return [];
  }
}

/**
 * The context for https:// servers when the caller gives no roots of its own: Node's bundled
 * roots, the system bundle and NODE_EXTRA_CA_CERTS (which an explicit list would otherwise
 * drop). Undefined when no system bundle is readable (Windows, or none installed): then Node's
 * defaults apply as they are. Built once: parsing a few hundred roots per request would cost
 * more than the request.
 */
export function timestampServerTrust(): tls.SecureContext | undefined {
  if (cached !== undefined) return cached ?? undefined;
  cached = null;
  if (process.platform === 'win32') return undefined;
  const system = systemBundleCandidates(process.env).map(certificatesIn).find((certs) => certs.length > 0);
  if (!system) return undefined;
  try {
    cached = tls.createSecureContext({ ca: [...tls.rootCertificates, ...system, ...certificatesIn(process.env.NODE_EXTRA_CA_CERTS)] });
  } catch {
    // A bundle OpenSSL cannot load: Node's defaults rather than no trust at all.
    cached = null;
  }
  return cached ?? undefined;
}
