import { resolve } from 'node:path';
import { UsageError } from '../../util/errors.js';
import type { CliIo } from '../io.js';

// `release serve`: a feed folder over HTTP on this machine, to try an update feed (App
// Installer, the Go update client) before it is published.

export const serveHelp = `Usage: release serve --feed DIR [--port N] [--host ADDRESS]

Serves the update feed in DIR (a folder with releases.json, as release publish writes it) over
HTTP until Ctrl-C: GET and HEAD, byte ranges (206, several as multipart/byteranges, 416),
ETag and Last-Modified (304), and the content types App Installer needs (application/msix,
application/msixbundle, application/appinstaller). It never serves a file outside DIR, a dot
file or a folder listing. Prints the URL it listens on, then one line per request.

Options:
  --feed DIR       the feed folder (required)
  --port N         the port (default 8080; 0 picks a free one and prints it)
  --host ADDRESS   the address to listen on (default 127.0.0.1, this machine only;
                   0.0.0.0 for every network: anyone who reaches it can read the feed)`;

export async function serveCommand(values: Record<string, unknown>, positionals: string[], io: CliIo): Promise<number> {
  if (positionals.length) throw new UsageError(`release serve takes no arguments, got ${positionals.join(' ')} (the folder goes after --feed)`);
  const feed = values.feed as string | undefined;
  if (!feed) throw new UsageError('release serve needs --feed DIR: the feed folder to serve');
  const portText = (values.port as string | undefined) ?? '8080';
  if (!/^\d+$/.test(portText) || Number(portText) > 65_535) throw new UsageError(`--port ${portText}: not a port (a number from 0 to 65535; 0 picks a free one)`);
  const host = (values.host as string | undefined) ?? '127.0.0.1';
  const { serveFeed } = await import('../../serve/serveFeed.js');
  await serveFeed({ feed, feedDir: resolve(io.cwd, feed), host, port: Number(portText), signal: io.signal, out: (line) => io.stdout.write(`${line}\n`) });
  return 0;
}
