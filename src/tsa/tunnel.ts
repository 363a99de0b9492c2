// A CONNECT tunnel through an HTTP proxy to an https:// time-stamp server, with TLS over it:
// how the probe and the signing relay reach such a server when https_proxy says so (proxy.ts
// decides when). Without it an https:// server behind a proxy could not be reached at all.
//
//   1. TCP to the proxy, `CONNECT host:port` (RFC 9110 §9.3.6), with Proxy-Authorization
//      (Basic) when the proxy URL has user:password. The credentials go only in that header:
//      never in argv, a log or an error (errors name the proxy by host:port).
//   2. A 2xx answer: the socket is now a byte pipe to the server. Anything else: the proxy
//      refused, and its status is the error.
//   3. TLS over that socket: SNI is the server's host name (none for an IP literal, which
//      RFC 6066 forbids), and its certificate is verified as for a direct https request: against
//      Node's roots and the system's (trust.ts), or the roots the caller gives (`ca`, tests).
// The caller's deadline covers all of it and the reply; aborting `signal` tears everything down.

import http from 'node:http';
import { isIP } from 'node:net';
import tls from 'node:tls';
import { timestampServerTrust } from './trust.js';

/** How a tunnel failed, in the words of the probe's transport failures. */
export type TunnelFailure = 'connect-refused' | 'network';

/** The tunnel could not be set up. The message names the proxy and the server, never credentials. */
export class TunnelError extends Error {
  override name = 'TunnelError';
  constructor(
    readonly reason: TunnelFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface TunnelOptions {
  /** Ends the tunnel (the exchange's deadline or cancellation), set up or not. */
  signal: AbortSignal;
  /** Trusted roots for the server's certificate instead of Node's and the system's (trust.ts): tests. */
  ca?: string | Buffer | Array<string | Buffer>;
}

/** `host:port` as CONNECT names the server (authority-form; IPv6 in brackets, as URL.hostname keeps it). */
export function connectAuthority(target: URL): string {
  return `${target.hostname}:${target.port || (target.protocol === 'https:' ? '443' : '80')}`;
}

/** The Proxy-Authorization header for a proxy URL with user:password, or undefined. */
export function proxyAuthorization(proxy: URL): string | undefined {
  if (!proxy.username) return undefined;
  return `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}`;
}

/** Open a TLS connection to `target` through `proxy`: resolves once the TLS handshake (and certificate check) passed. */
export function openTlsTunnel(proxy: URL, target: URL, options: TunnelOptions): Promise<tls.TLSSocket> {
  const authority = connectAuthority(target);
  const proxyName = proxy.host;
  const serverName = target.hostname.replace(/^\[|\]$/g, '');
  return new Promise<tls.TLSSocket>((resolve, reject) => {
    const stopped = () => new TunnelError('network', `the tunnel to ${authority} through proxy ${proxyName} was stopped`);
    if (options.signal.aborted) return reject(stopped());
    let settled = false;
    let secure: tls.TLSSocket | undefined;
    const finish = (outcome: { socket: tls.TLSSocket } | { error: Error }) => {
      if (settled) return;
      settled = true;
      options.signal.removeEventListener('abort', onAbort);
      if ('socket' in outcome) return resolve(outcome.socket);
      connect.destroy();
      secure?.destroy();
      reject(outcome.error);
    };
    const onAbort = () => finish({ error: stopped() });
    // Torn down also after it was handed over: the exchange is over when the caller aborts.
    options.signal.addEventListener('abort', () => secure?.destroy(), { once: true });
    options.signal.addEventListener('abort', onAbort, { once: true });

    const authorization = proxyAuthorization(proxy);
    const connect = http.request({
      hostname: proxy.hostname.replace(/^\[|\]$/g, ''),
      port: proxy.port || 80,
      method: 'CONNECT',
      path: authority,
      agent: false,
      headers: { Host: authority, 'User-Agent': 'winship', ...(authorization ? { 'Proxy-Authorization': authorization } : {}) },
    });
    connect.on('connect', (response, socket, head) => {
      const status = response.statusCode ?? 0;
      if (status < 200 || status > 299) {
        socket.destroy();
        const phrase = response.statusMessage ? ` ${response.statusMessage}` : '';
        finish({ error: new TunnelError('network', `proxy ${proxyName} refused CONNECT to ${authority} with HTTP ${status}${phrase}`) });
        return;
      }
      // Bytes the proxy sent after its answer belong to the server's side of the tunnel.
      if (head.byteLength > 0) socket.unshift(head);
      secure = tls.connect({
        socket,
        host: serverName, // what the certificate must name (checkServerIdentity)
        ...(isIP(serverName) ? {} : { servername: serverName }),
        ALPNProtocols: ['http/1.1'],
        ...trustFor(options.ca),
      });
      secure.once('secureConnect', () => finish({ socket: secure! }));
      secure.once('error', (err: NodeJS.ErrnoException) => {
        const code = err.code && !err.message.includes(err.code) ? ` (${err.code})` : '';
        finish({ error: new TunnelError('network', `TLS with ${authority} through proxy ${proxyName} failed: ${err.message}${code}`, { cause: err }) });
      });
    });
    connect.on('error', (err: NodeJS.ErrnoException) => finish({ error: proxyConnectionError(err, proxyName, authority) }));
    connect.end();
  });
}

/** The caller's roots, or Node's and the system's (trust.ts), as for a direct https request. */
function trustFor(ca: TunnelOptions['ca']): tls.ConnectionOptions {
  if (ca !== undefined) return { ca };
  const secureContext = timestampServerTrust();
  return secureContext ? { secureContext } : {};
}

function proxyConnectionError(err: NodeJS.ErrnoException, proxyName: string, authority: string): TunnelError {
  const codes = err instanceof AggregateError ? err.errors.map((e: NodeJS.ErrnoException) => e.code) : [err.code];
  if (codes.length > 0 && codes.every((c) => c === 'ECONNREFUSED')) {
    return new TunnelError('connect-refused', `proxy ${proxyName} refused the connection (for CONNECT to ${authority})`, { cause: err });
  }
  if (err.code === 'ECONNRESET' && /socket hang up/i.test(err.message)) {
    return new TunnelError('network', `proxy ${proxyName} closed the connection before answering CONNECT to ${authority}`, { cause: err });
  }
  const code = err.code ? ` (${err.code})` : '';
  return new TunnelError('network', `network error talking to proxy ${proxyName} (for CONNECT to ${authority})${code}: ${err.message}`, { cause: err });
}
