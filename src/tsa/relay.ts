// A loopback RFC 3161 relay: the only way the signing tools reach a time-stamp server.
//
// Why: osslsigncode reads a timestamp reply of any size (a valid token followed by 1.5 GB was
// accepted, 3 GB RSS: /work/shared/domain-notes.md §3), checks neither the nonce nor the TSA's
// EKU, and shows the server URL, user:password included, in its argv (`ps`). So the tool is
// given http://127.0.0.1:PORT/<route> instead, and the relay forwards its request through the
// client the probe uses (requestTimestamp: 1 MiB cap, deadline, the same proxy rules, a CONNECT
// tunnel for an https:// server behind a proxy), checks
// the reply against the tool's own request (classifyTimeStampReply: HTTP status, content type,
// DER, PKIStatus granted, nonce, imprint, token signature, timeStamping EKU, genTime) and hands
// the tool only a reply that passed. One that did not is a failed attempt: the tool gets HTTP
// 502, and the route keeps the reason for the failover loop, which tries the next server.
//
// A route is one attempt: opened before the tool starts, it serves one request (osslsigncode
// and signtool send one per server and run) and is closed when the attempt ends. Its path is
// 128 random bits, the relay listens on 127.0.0.1 only, and the upstream URL (and any
// credentials in it) never leaves this process. The path is in the tool's argv while the
// attempt runs; another local user who reads it there can at most use up that one request,
// which fails the attempt over to the next server.

import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CancelledError } from '../util/errors.js';
import { requestTimestamp, TsaTransportError, type TimestampHttpReply } from './probe.js';
import { classifyTimeStampReply, parseTimeStampReq, type ParsedTimeStampReq, type TsaFailure } from './rfc3161.js';

/** A TimeStampReq is about 100 bytes; a tool that sends more is not sending one. */
const MAX_QUERY_BYTES = 64 * 1024;

export interface RelayRouteOptions {
  /** Stops the upstream exchange: the attempt's deadline or the run's cancellation. */
  signal: AbortSignal;
  /** Deadline of the upstream exchange (a backstop: the attempt's own deadline comes first). */
  timeoutMs: number;
}

/** One attempt's way to one upstream server. */
export interface RelayRoute {
  /** What the signing tool is given (`-ts`, `/tr`): loopback, with this route's secret path. */
  readonly url: string;
  /** Requests the tool made on this route: 0 means it failed before contacting a server. */
  readonly requests: number;
  /** Why the relayed exchange failed, in one line without credentials; undefined when none failed. */
  readonly failure: string | undefined;
  /** Bytes of the upstream reply read: the reply, or at most one chunk past the cap. */
  readonly bytesReceived: number;
  /** End the route: later requests get 404, and an exchange still running is stopped. */
  close(): void;
}

export interface TimestampRelay {
  /** A new route to `upstream` (an http:// or https:// RFC 3161 URL, credentials allowed). */
  route(upstream: string, options: RelayRouteOptions): RelayRoute;
  /** Stop listening and drop every connection (routes still open are closed). */
  close(): Promise<void>;
}

export interface RelayOptions {
  /** Where proxy settings come from (proxy.ts); default process.env, as for the probe. */
  env?: NodeJS.ProcessEnv;
  /** Our clock, for the genTime check; injectable for tests. */
  now?: () => Date;
  /** Trusted roots for https:// servers instead of Node's and the system's (trust.ts): tests, as for the probe. */
  ca?: string | Buffer | Array<string | Buffer>;
}

class Route implements RelayRoute {
  requests = 0;
  failure: string | undefined;
  bytesReceived = 0;
  readonly signal: AbortSignal;
  private readonly stop = new AbortController();

  constructor(
    readonly url: string,
    readonly upstream: string,
    readonly timeoutMs: number,
    signal: AbortSignal,
    private readonly forget: () => void,
  ) {
    this.signal = AbortSignal.any([signal, this.stop.signal]);
  }

  close(): void {
    this.forget();
    if (!this.stop.signal.aborted) this.stop.abort(new CancelledError('the signing attempt is over'));
  }
}

/** Start a relay on 127.0.0.1 (a free port). It does not keep the process alive; close() it when signing ends. */
export async function startTimestampRelay(options: RelayOptions = {}): Promise<TimestampRelay> {
  const routes = new Map<string, Route>();
  const server = http.createServer((req, res) => {
    serve(req, res, routes, options).catch(() => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => resolve());
  });
  // A relay someone forgot to close must not hold the process open (its connections still do
  // while a tool is being served).
  server.unref();
  const { port } = server.address() as AddressInfo;
  let closed = false;

  return {
    route(upstream, routeOptions) {
      if (closed) throw new Error('internal error: the timestamp relay is closed');
      const path = `/${randomBytes(16).toString('hex')}`;
      const route = new Route(`http://127.0.0.1:${port}${path}`, upstream, routeOptions.timeoutMs, routeOptions.signal, () => routes.delete(path));
      routes.set(path, route);
      return route;
    },
    close() {
      if (closed) return Promise.resolve();
      closed = true;
      for (const route of [...routes.values()]) route.close();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

async function serve(req: http.IncomingMessage, res: http.ServerResponse, routes: ReadonlyMap<string, Route>, options: RelayOptions): Promise<void> {
  // One request per connection: nothing lingers once the tool has its answer.
  res.setHeader('Connection', 'close');
  const route = req.method === 'POST' ? routes.get(req.url ?? '') : undefined;
  if (!route || route.requests > 0) {
    // Without a live route's secret path there is nothing here, not even a hint.
    req.resume();
    res.writeHead(404).end();
    return;
  }
  route.requests++;
  // The tool hung up (killed at its deadline): stop asking the server on its behalf.
  const toolGone = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) toolGone.abort();
  });
  const signal = AbortSignal.any([route.signal, toolGone.signal]);
  const outcome = await relayOne(route, req, signal, options);
  if (signal.aborted) {
    // Not the server's failure: the attempt ended first (its deadline), or the tool went away.
    res.destroy();
  } else if ('reply' in outcome) {
    res.writeHead(200, { 'Content-Type': 'application/timestamp-reply', 'Content-Length': outcome.reply.byteLength }).end(outcome.reply);
  } else if ('failure' in outcome) {
    route.failure = outcome.failure;
    res.writeHead(502, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`winship timestamp relay: ${outcome.failure}\n`);
  } else {
    res.destroy();
  }
}

type Outcome = { reply: Uint8Array } | { failure: string } | { stopped: true };

/** Read the tool's request, forward it, check the reply. Never throws. */
async function relayOne(route: Route, req: http.IncomingMessage, signal: AbortSignal, options: RelayOptions): Promise<Outcome> {
  let query: Uint8Array;
  let asked: ParsedTimeStampReq;
  try {
    query = await readQuery(req);
    asked = parseTimeStampReq(query);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return { failure: `the signing tool's request is not a time-stamp request (${why}); nothing was sent to the server` };
  }

  let reply: TimestampHttpReply;
  try {
    reply = await requestTimestamp(route.upstream, query, {
      timeoutMs: route.timeoutMs,
      signal,
      ...(options.env ? { env: options.env } : {}),
      ...(options.ca !== undefined ? { ca: options.ca } : {}),
    });
  } catch (err) {
    if (err instanceof TsaTransportError) {
      route.bytesReceived = err.bytesReceived;
      return { failure: err.message };
    }
    return { stopped: true }; // CancelledError: the attempt ended or the tool hung up
  }
  route.bytesReceived = reply.body.byteLength;

  let verdict: Awaited<ReturnType<typeof classifyTimeStampReply>>;
  try {
    verdict = await classifyTimeStampReply({
      request: { imprint: asked.imprint, imprintAlgorithm: asked.imprintAlgorithm, ...(asked.nonce !== undefined ? { nonce: asked.nonce } : {}) },
      httpStatus: reply.httpStatus,
      httpStatusText: reply.httpStatusText,
      contentType: reply.contentType,
      body: reply.body,
      now: (options.now ?? (() => new Date()))(),
    });
  } catch (err) {
    // A reply our parser chokes on is still not one to hand to the tool.
    return { failure: `the reply (${reply.body.byteLength} bytes) could not be checked: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (verdict.verdict === 'failed') return { failure: describeRelayFailure(verdict.reason, verdict.detail) };
  return { reply: reply.body };
}

/** One line for a reply that failed its checks; the failover loop puts the server's name before it. */
export function describeRelayFailure(reason: TsaFailure, detail: string): string {
  switch (reason) {
    case 'imprint-mismatch':
      return `the time-stamp token answers a different request (imprint): ${detail}`;
    case 'nonce-mismatch':
      return `the time-stamp token answers a different request (nonce): ${detail}`;
    case 'missing-eku':
      return `the time-stamp server's certificate is not valid for timestamping: ${detail}`;
    case 'http-status':
      return `the server answered ${detail}`;
    case 'rejected':
      return `the server refused to time-stamp: ${detail}`;
    case 'clock-skew':
      return `the server's clock is wrong: ${detail}`;
    default:
      return detail;
  }
}

function readQuery(req: http.IncomingMessage): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > MAX_QUERY_BYTES) {
        reject(new Error(`more than ${MAX_QUERY_BYTES / 1024} KiB`));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    req.on('error', reject);
    // After 'end' this is a no-op; before it, the tool went away mid-request.
    req.on('close', () => reject(new Error('the connection closed mid-request')));
  });
}
