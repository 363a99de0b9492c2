import { readFile, realpath, stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { StageError, UsageError } from '../util/errors.js';
import { createFeedServer } from './feedServer.js';

// A feed folder checked and served until a signal: what `release serve` runs.

export interface ServeOptions {
  /** The feed folder as the user gave it (for messages) and resolved. */
  feed: string;
  feedDir: string;
  host: string;
  port: number;
  signal: AbortSignal;
  /** Where the listening line and one line per request go. */
  out: (line: string) => void;
}

export interface FeedSummary {
  project?: string;
  latest?: string;
  versions?: number;
}

/** The feed's real folder, refused with what to do when it is not a feed. */
export async function checkFeedFolder(feed: string, feedDir: string): Promise<{ root: string; summary: FeedSummary | undefined }> {
  const info = await stat(feedDir).catch(() => undefined);
  if (!info) throw new UsageError(`--feed ${feed}: no such folder`);
  if (!info.isDirectory()) throw new UsageError(`--feed ${feed}: not a folder (give the feed's folder, the one holding releases.json)`);
  const root = await realpath(feedDir);
  const index = await readFile(join(root, 'releases.json'), 'utf8').catch(() => undefined);
  if (index === undefined) {
    throw new UsageError(`--feed ${feed}: not a feed: it has no releases.json (release publish --feed ${feed} writes one; docs/feed-format.md describes it)`);
  }
  // A damaged index is still served: clients are the ones that must refuse it.
  try {
    const parsed = JSON.parse(index) as { project?: unknown; latest?: unknown; releases?: unknown };
    return {
      root,
      summary: {
        ...(typeof parsed.project === 'string' ? { project: parsed.project } : {}),
        ...(typeof parsed.latest === 'string' ? { latest: parsed.latest } : {}),
        ...(Array.isArray(parsed.releases) ? { versions: parsed.releases.length } : {}),
      },
    };
  } catch {
    return { root, summary: undefined };
  }
}

/** The URL a listening address is reached at (IPv6 in brackets). */
export function urlOf(address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}/`;
}

function describe(summary: FeedSummary | undefined): string {
  if (!summary) return 'releases.json is not valid JSON: served as it is, clients will refuse it';
  const parts = [summary.project && `project ${summary.project}`, summary.latest && `latest ${summary.latest}`, summary.versions !== undefined && `${summary.versions} version${summary.versions === 1 ? '' : 's'}`];
  return parts.filter(Boolean).join(', ') || 'releases.json names no project';
}

/** Serves until `signal` aborts, then stops taking requests, closes every connection and returns. */
export async function serveFeed(options: ServeOptions): Promise<void> {
  const { root, summary } = await checkFeedFolder(options.feed, options.feedDir);
  const server = createFeedServer({ root, log: options.out });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const where = `${options.host}:${options.port}`;
      if (err.code === 'EADDRINUSE') reject(new StageError(`cannot listen on ${where}: the port is in use; choose another with --port, or --port 0 for a free one`));
      else if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') reject(new UsageError(`--host ${options.host}: not an address of this machine`));
      else if (err.code === 'EACCES') reject(new StageError(`cannot listen on ${where}: permission denied (ports below 1024 need privileges; use --port 0 for a free one)`));
      else reject(new StageError(`cannot listen on ${where}: ${err.message}`));
    });
    server.listen(options.port, options.host, () => resolve());
  });
  options.out(`serving ${root} (${describe(summary)}) at ${urlOf(server.address() as AddressInfo)}`);
  options.out('press Ctrl-C to stop');
  await new Promise<void>((resolve) => {
    if (options.signal.aborted) resolve();
    else options.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
  options.out('stopped');
}
