// A real CONNECT proxy on loopback for tests: Node's HTTP server, its 'connect' event, and two
// sockets piped into each other. Host names are resolved here (every name to 127.0.0.1, as a
// corporate proxy resolves names its clients cannot), so a client that resolved `tsa.test`
// itself would fail, and one that tunnels reaches the test TSA under that name.
//
//   const proxy = await startConnectProxy({ answer: (authority) => (authority.startsWith('denied.test:') ? 407 : undefined) });
//   https_proxy=proxy.url ... https://tsa.test:PORT/
//   expect(proxy.connects).toEqual([{ authority: 'tsa.test:PORT', proxyAuthorization: undefined }]);
//   await proxy.stop();

import http from 'node:http';
import net, { type AddressInfo, type Socket } from 'node:net';

export interface ConnectRecord {
  /** The CONNECT target, "host:port". */
  authority: string;
  /** The Proxy-Authorization header as received. */
  proxyAuthorization: string | undefined;
  /** Every other header name sent with the CONNECT (lower case): nothing of the server's own. */
  headerNames: string[];
}

export interface ConnectProxyOptions {
  /** A status to answer instead of tunnelling (407, 502, ...), or undefined to tunnel. */
  answer?: (authority: string) => number | undefined;
  /** Accept the CONNECT and never answer it (a hung proxy). */
  hang?: (authority: string) => boolean;
}

export interface ConnectProxy {
  /** http://127.0.0.1:PORT */
  url: string;
  readonly connects: readonly ConnectRecord[];
  /** Requests that were not CONNECT (absolute-form, for http:// servers): "METHOD url". */
  readonly plainRequests: readonly string[];
  stop(): Promise<void>;
}

export async function startConnectProxy(options: ConnectProxyOptions = {}): Promise<ConnectProxy> {
  const connects: ConnectRecord[] = [];
  const plainRequests: string[] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    plainRequests.push(`${req.method} ${req.url}`);
    res.writeHead(405).end();
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('connect', (req: http.IncomingMessage, client: Socket, head: Buffer) => {
    const authority = req.url ?? '';
    connects.push({
      authority,
      proxyAuthorization: req.headers['proxy-authorization'],
      headerNames: Object.keys(req.headers).filter((h) => h !== 'proxy-authorization'),
    });
    client.on('error', () => undefined);
    if (options.hang?.(authority)) return;
    const status = options.answer?.(authority);
    if (status !== undefined) {
      client.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Refused'}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
      return;
    }
    const port = Number(authority.slice(authority.lastIndexOf(':') + 1));
    const upstream = net.connect({ host: '127.0.0.1', port }, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.byteLength > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connects,
    plainRequests,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
