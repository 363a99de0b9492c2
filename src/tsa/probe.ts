// Talk to RFC 3161 time-stamp servers over HTTP: one request primitive with a hard deadline
// and a size cap, a health probe built on it, and a pure ranking of probe results.
//
// Why our own client: osslsigncode and signtool have no timeout at all (a hung server stalls
// the release forever, one CI log shows signtool waiting ~29 min) and osslsigncode reads a
// reply of any size. So servers are probed before signing, and while signing the tools' own
// requests go through this client too, by way of the loopback relay (relay.ts).
// Proxies (proxy.ts): an http:// server is asked through the proxy with the absolute URL; an
// https:// one through a CONNECT tunnel with TLS to the server over it (tunnel.ts).

import { randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type tls from 'node:tls';
import { performance } from 'node:perf_hooks';
import { urlToHttpOptions } from 'node:url';
import { proxyFor } from './proxy.js';
import { timestampServerTrust } from './trust.js';
import { openTlsTunnel, proxyAuthorization, TunnelError } from './tunnel.js';
import { CancelledError } from '../util/errors.js';
import { encodeTimeStampReq, nonceToBigInt } from './request.js';
import type { TsaFailure, TsaTransportFailure } from './rfc3161.js';

/**
 * A timestamp reply is a few KiB; anything this large is not one. The relay (relay.ts) holds the
 * signing tools' replies to it too: osslsigncode itself reads whatever arrives.
 */
export const MAX_REPLY_BYTES = 1024 * 1024;

export interface TimestampHttpReply {
  httpStatus: number;
  /** The server's reason phrase ('' when it sent none). */
  httpStatusText: string;
  /** Content-Type header as received, undefined when absent. */
  contentType: string | undefined;
  body: Uint8Array;
  /** From the start of the request to the last byte of the body. */
  latencyMs: number;
}

/** The request never produced a complete HTTP reply. Messages name the host, never credentials. */
export class TsaTransportError extends Error {
  override name = 'TsaTransportError';
  constructor(
    readonly reason: TsaTransportFailure,
    message: string,
    /** Time spent before the failure. */
    readonly latencyMs: number,
    options?: { cause?: unknown; bytesReceived?: number },
  ) {
    super(message, options);
    this.bytesReceived = options?.bytesReceived ?? 0;
  }

  /** Bytes of the reply body read before we stopped (for 'too-large': at most one chunk past the cap). */
  readonly bytesReceived: number;
}

export interface RequestTimestampOptions {
  /** Deadline for the whole exchange: connect, send, headers and body. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Where the proxy settings come from (see proxy.ts); default process.env, as the signing tool's. */
  env?: NodeJS.ProcessEnv;
  /** Trusted roots for https:// servers instead of Node's and the system's (trust.ts): tests. */
  ca?: string | Buffer | Array<string | Buffer>;
}

/**
 * POST a DER TimeStampReq as application/timestamp-query (RFC 3161 §3.4) and return the raw
 * reply. Throws TsaTransportError ('timeout' | 'connect-refused' | 'too-large' | 'network'), or CancelledError
 * when `signal` aborts. Does not look at the reply: see classifyTimeStampReply.
 */
export function requestTimestamp(
  url: string,
  reqDer: Uint8Array,
  options: RequestTimestampOptions,
): Promise<TimestampHttpReply> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);

  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.reject(new TsaTransportError('network', 'the time-stamp server URL is not a valid URL', 0));
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    return Promise.reject(
      new TsaTransportError('network', `unsupported URL scheme ${target.protocol} (use http or https)`, 0),
    );
  }
  const proxy = proxyFor(target, options.env ?? process.env);
  if (proxy && proxy.protocol !== 'http:') {
    // What OpenSSL's HTTP client (and so osslsigncode 2.9) takes too: a plain-HTTP proxy.
    return Promise.reject(
      new TsaTransportError('network', `the proxy for ${target.host} is a ${proxy.protocol.replace(/:$/, '')}:// URL (${proxy.host}); winship talks to proxies in plain HTTP only: give an http:// proxy URL`, 0),
    );
  }
  // An https:// server through a proxy: TLS to the server inside a CONNECT tunnel.
  const tunnelled = proxy !== undefined && target.protocol === 'https:';
  // host:port only: the URL may carry credentials or tokens.
  const where = proxy ? `${target.host} (through proxy ${proxy.host})` : target.host;
  if (options.signal?.aborted) {
    return Promise.reject(new CancelledError(`time-stamp request to ${where} cancelled`));
  }
  // This request's own signal: every server is probed at once under one caller's signal, and
  // AbortSignal.any adds no listener to it.
  const signal = options.signal && AbortSignal.any([options.signal]);

  return new Promise<TimestampHttpReply>((resolve, reject) => {
    let settled = false;
    // Ends a tunnel still being set up (or the TLS socket inside it) with the exchange.
    const tunnelStop = new AbortController();
    const settle = (action: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      action();
      tunnelStop.abort();
    };
    const failWith = (err: Error) => {
      settle(() => reject(err));
      request.destroy();
    };

    // To a proxy we speak plain http; TLS to an https server behind one is the tunnel's.
    const client = proxy || target.protocol === 'http:' ? http : https;
    const headers: Record<string, string> = {
      'Content-Type': 'application/timestamp-query',
      Accept: 'application/timestamp-reply',
      'Content-Length': String(reqDer.byteLength),
      Connection: 'close',
      'User-Agent': 'winship',
    };
    // Through a proxy (http): the request goes to the proxy with the absolute URL (RFC 9112
    // §3.2.2). Through a tunnel the proxy's credentials go in the CONNECT instead.
    const authorization = proxy && !tunnelled ? proxyAuthorization(proxy) : undefined;
    if (authorization) headers['Proxy-Authorization'] = authorization;
    const direct = urlToHttpOptions(target);
    // secureContext reaches tls.connect like every TLS option (https.Agent passes them on).
    const route: http.RequestOptions & Pick<tls.ConnectionOptions, 'ca' | 'secureContext'> = tunnelled
      ? {
          hostname: target.hostname.replace(/^\[|\]$/g, ''),
          port: target.port || 443,
          path: `${target.pathname}${target.search}`,
          ...(direct.auth ? { auth: direct.auth } : {}),
          // The tunnel is the connection: the request is written into its TLS socket.
          createConnection: (_options, connected) => {
            openTlsTunnel(proxy, target, { signal: tunnelStop.signal, ...(options.ca !== undefined ? { ca: options.ca } : {}) }).then(
              (socket) => connected(null, socket),
              (err: Error) => connected(err, undefined as never),
            );
            return undefined;
          },
        }
      : proxy
        ? {
            hostname: proxy.hostname.replace(/^\[|\]$/g, ''),
            port: proxy.port || 80,
            // The absolute URL without the TSA's credentials: those go in Authorization, as direct.
            path: `${target.protocol}//${target.host}${target.pathname}${target.search}`,
            ...(direct.auth ? { auth: direct.auth } : {}),
          }
        : { ...direct, ...(target.protocol === 'https:' ? trustFor(options.ca) : {}) };
    const request = client.request(
      {
        ...route,
        method: 'POST',
        // A fresh connection per request: latency then includes connecting, as it will when
        // osslsigncode connects, and no pooled socket outlives a probe. (Through a tunnel, no
        // agent at all: an agent, even a fresh one, would ignore createConnection.)
        ...(tunnelled ? {} : { agent: false }),
        headers: proxy ? { ...headers, Host: target.host } : headers,
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const tooLarge = () =>
          failWith(new TsaTransportError('too-large', `${where} sent more than 1 MiB; not a time-stamp reply`, elapsed(), { bytesReceived: size }));
        // A declared length over the cap fails before a byte of the body is read.
        if (Number(response.headers['content-length'] ?? 0) > MAX_REPLY_BYTES) {
          tooLarge();
          return;
        }
        response.on('data', (chunk: Buffer) => {
          if (settled) return;
          size += chunk.byteLength;
          if (size > MAX_REPLY_BYTES) tooLarge();
          else chunks.push(chunk);
        });
        response.on('end', () =>
          settle(() =>
            resolve({
              httpStatus: response.statusCode ?? 0,
              httpStatusText: response.statusMessage ?? '',
              contentType: response.headers['content-type'],
              body: new Uint8Array(Buffer.concat(chunks)),
              latencyMs: elapsed(),
            }),
          ),
        );
        response.on('error', (err) => failWith(transportError(err, where, elapsed())));
        response.on('close', () => {
          if (!response.complete) {
            failWith(new TsaTransportError('network', `${where} closed the connection mid-reply`, elapsed()));
          }
        });
      },
    );
    request.on('error', (err) => failWith(transportError(err, where, elapsed())));

    const timer = setTimeout(() => {
      failWith(
        new TsaTransportError('timeout', `${where} did not answer within ${options.timeoutMs} ms`, elapsed()),
      );
    }, options.timeoutMs);
    const onAbort = () => failWith(new CancelledError(`time-stamp request to ${where} cancelled`));
    signal?.addEventListener('abort', onAbort, { once: true });

    request.end(Buffer.from(reqDer));
  });
}

/** The roots an https server's certificate is checked against: the caller's, or Node's and the system's (trust.ts). */
function trustFor(ca: RequestTimestampOptions['ca']): Pick<tls.ConnectionOptions, 'ca' | 'secureContext'> {
  if (ca !== undefined) return { ca };
  const secureContext = timestampServerTrust();
  return secureContext ? { secureContext } : {};
}

function transportError(err: Error, where: string, latencyMs: number): TsaTransportError {
  // The tunnel's own words name the proxy, the server and what failed.
  if (err instanceof TunnelError) return new TsaTransportError(err.reason, err.message, latencyMs, { cause: err.cause ?? err });
  const codes = errorCodes(err);
  if (codes.length > 0 && codes.every((c) => c === 'ECONNREFUSED')) {
    return new TsaTransportError('connect-refused', `${where} refused the connection`, latencyMs, { cause: err });
  }
  if (codes.includes('ETIMEDOUT')) {
    return new TsaTransportError('timeout', `connecting to ${where} timed out`, latencyMs, { cause: err });
  }
  const code = codes[0] ? ` (${codes[0]})` : '';
  return new TsaTransportError('network', `network error talking to ${where}${code}: ${err.message}`, latencyMs, {
    cause: err,
  });
}

/** Error codes, looking inside the AggregateError Node raises when it tried several addresses. */
function errorCodes(err: unknown): string[] {
  if (err instanceof AggregateError && err.errors.length > 0) return err.errors.flatMap(errorCodes);
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? [code] : [];
}

// ---------------------------------------------------------------------------------------------
// Probe

export interface ProbeOptions {
  /** Deadline for one probe request. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Our clock, for the genTime check; injectable for tests. */
  now?: () => Date;
  /** How far the server's genTime may be from our clock. Default 5 minutes. */
  skewToleranceMs?: number;
  /** Where the proxy settings come from; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Trusted roots for https:// servers instead of Node's and the system's (trust.ts): tests. */
  ca?: string | Buffer | Array<string | Buffer>;
}

export interface ProbeResult {
  url: string;
  verdict: 'ok' | 'failed';
  reason?: TsaFailure;
  /** A human sentence saying what was wrong (absent when ok). */
  detail?: string;
  latencyMs: number;
  /** Subject of the TSA's signing certificate, "CN=…, O=…" (when ok). */
  tsaSubject?: string;
  /** The server's time in the token (when ok). */
  genTime?: Date;
}

/**
 * Ask a server for a time stamp on random data and check the reply like a careful client:
 * random SHA-256 imprint, random 64-bit nonce (as osslsigncode 2.9 sends), certReq true.
 * Resolves with a result for every server problem; rejects only with CancelledError.
 */
export async function probeTimestampServer(url: string, options: ProbeOptions): Promise<ProbeResult> {
  const imprint = new Uint8Array(randomBytes(32));
  const nonce = nonceToBigInt(randomBytes(8));
  const reqDer = encodeTimeStampReq({ imprint, nonce, certReq: true });
  // The request goes out now; pkijs (~100 ms to load), to check the reply, loads while the
  // server answers.
  const checker = import('./rfc3161.js');
  checker.catch(() => undefined);

  let reply: TimestampHttpReply;
  try {
    reply = await requestTimestamp(url, reqDer, options);
  } catch (err) {
    if (err instanceof TsaTransportError) {
      return { url, verdict: 'failed', reason: err.reason, detail: err.message, latencyMs: err.latencyMs };
    }
    throw err;
  }

  const { classifyTimeStampReply, formatDistinguishedName } = await checker;
  const verdict = await classifyTimeStampReply({
    request: { imprint, nonce },
    httpStatus: reply.httpStatus,
    httpStatusText: reply.httpStatusText,
    contentType: reply.contentType,
    body: reply.body,
    now: (options.now ?? (() => new Date()))(),
    ...(options.skewToleranceMs !== undefined ? { skewToleranceMs: options.skewToleranceMs } : {}),
  });
  if (verdict.verdict === 'failed') {
    return { url, verdict: 'failed', reason: verdict.reason, detail: verdict.detail, latencyMs: reply.latencyMs };
  }
  const result: ProbeResult = {
    url,
    verdict: 'ok',
    latencyMs: reply.latencyMs,
    genTime: verdict.token.tstInfo.genTime,
  };
  const signer = verdict.token.signerCertificate;
  if (signer) result.tsaSubject = formatDistinguishedName(signer.subject);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Ranking

export interface TimestampServerRanking {
  /** URLs of healthy servers, fastest first (ties keep the configured order). */
  ranked: string[];
  /** Every failed probe, in the order given. */
  failed: ProbeResult[];
}

export interface TimestampServerSelection extends TimestampServerRanking {
  /** One result per distinct URL, in the configured order. */
  results: ProbeResult[];
}

/** Healthy servers by ascending latency; failures kept aside. Pure. */
export function rankTimestampServers(results: readonly ProbeResult[]): TimestampServerRanking {
  const healthy = results
    .map((result, index) => ({ result, index }))
    .filter(({ result }) => result.verdict === 'ok')
    .sort((a, b) => a.result.latencyMs - b.result.latencyMs || a.index - b.index);
  return {
    ranked: healthy.map(({ result }) => result.url),
    failed: results.filter((result) => result.verdict !== 'ok'),
  };
}

/** Probe every distinct URL at once and rank them. */
export async function selectTimestampServers(
  urls: readonly string[],
  options: ProbeOptions,
): Promise<TimestampServerSelection> {
  const distinct = [...new Set(urls)];
  const results = await Promise.all(distinct.map((url) => probeTimestampServer(url, options)));
  return { ...rankTimestampServers(results), results };
}
