import { realpath } from 'node:fs/promises';
import { join, sep } from 'node:path';

// From a request's target to a file of the feed, or a refusal. A feed holds version folders,
// patches/ and a few files at its root, all with plain names: anything else in a path is
// refused before the file system is asked, and what the file system answers (symlinks) is
// checked again against the feed's real folder.

export type FeedPath = { ok: true; file: string; segments: string[] } | { ok: false; status: 400 | 404; reason: string };

/** Characters no feed name holds, refused in a decoded segment: separators, NUL, drive or stream colons. */
const FORBIDDEN = /[/\\\0:]/;

/** The decoded segments of a request target's path, or why it is refused. */
export function pathSegments(target: string): { segments: string[] } | { status: 400 | 404; reason: string } {
  if (!target.startsWith('/')) return { status: 400, reason: 'the request target is not a path' };
  const path = target.replace(/[?#].*$/s, '');
  const segments: string[] = [];
  for (const raw of path.slice(1).split('/')) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return { status: 400, reason: 'the path has a malformed %-escape' };
    }
    if (FORBIDDEN.test(segment)) return { status: 400, reason: 'a path segment holds "/", "\\", ":" or NUL' };
    if (segment === '.' || segment === '..') return { status: 400, reason: 'the path has a "." or ".." segment' };
    // Empty segments (a//b, a trailing /) name folders or nothing; dot files (.winship-feed.lock)
    // are the publisher's, not the feed's.
    if (segment === '' || segment.startsWith('.')) return { status: 404, reason: 'not a file of the feed' };
    segments.push(segment);
  }
  return { segments };
}

/**
 * The file `target` names inside `realRoot` (the feed folder, already through realpath): its
 * real path, which must still be inside the feed once every symlink is followed.
 */
export async function resolveFeedPath(realRoot: string, target: string): Promise<FeedPath> {
  const parsed = pathSegments(target);
  if ('status' in parsed) return { ok: false, ...parsed };
  const real = await realpath(join(realRoot, ...parsed.segments)).catch(() => undefined);
  if (real === undefined) return { ok: false, status: 404, reason: 'no such file in the feed' };
  if (!real.startsWith(realRoot + sep)) return { ok: false, status: 404, reason: 'a link that leads out of the feed' };
  return { ok: true, file: real, segments: parsed.segments };
}
