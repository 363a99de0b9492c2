// Which HTTP proxy a request to a time-stamp server goes through: the one osslsigncode (OpenSSL's
// HTTP client) and curl-based tools would use, from the same environment variables. The probe
// must take the same route as the signing tool, or it ranks servers the tool cannot reach (or
// fails servers the tool reaches through the proxy).

/**
 * The proxy for `target` per http_proxy / HTTP_PROXY (http URLs), https_proxy / HTTPS_PROXY
 * (https URLs) and no_proxy / NO_PROXY (comma-separated hosts or domain suffixes, "*" for all,
 * an optional ":port"). Undefined: connect directly.
 */
export function proxyFor(target: URL, env: NodeJS.ProcessEnv): URL | undefined {
  const raw = target.protocol === 'https:' ? (env.https_proxy ?? env.HTTPS_PROXY) : (env.http_proxy ?? env.HTTP_PROXY);
  if (!raw) return undefined;
  if (bypassed(target, env.no_proxy ?? env.NO_PROXY ?? '')) return undefined;
  try {
    return new URL(raw.includes('://') ? raw : `http://${raw}`);
  } catch {
    return undefined; // as curl and OpenSSL do with a proxy setting they cannot parse: go direct
  }
}

function bypassed(target: URL, noProxy: string): boolean {
  const host = target.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  for (const entry of noProxy.split(',').map((e) => e.trim().toLowerCase()).filter(Boolean)) {
    if (entry === '*') return true;
    const [name = '', entryPort] = entry.startsWith('[') ? [entry.slice(1, entry.indexOf(']')), entry.split(']:')[1]] : entry.split(':');
    if (entryPort && entryPort !== port) continue;
    const domain = name.replace(/^\*?\./, '');
    if (host === domain || host.endsWith(`.${domain}`)) return true;
  }
  return false;
}
