import { lstat } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { sha256File } from '../util/fs.js';
import { isDistPath } from './kinds.js';

// Where artifacts are on disk. The registry and the state record paths relative to dist/, so a
// dist/ copied to another machine (to be signed there, or merged) still describes itself.

/** `file` (absolute, inside `distDir`) as the registry records it: "folder/name.exe". */
export function distPathOf(distDir: string, file: string): string {
  const rel = relative(distDir, file);
  const path = rel.split(sep).join('/');
  if (isAbsolute(rel) || !isDistPath(path)) throw new Error(`internal: ${file} is not inside ${distDir}`);
  return path;
}

/** The absolute path of a recorded file. */
export function inDist(distDir: string, path: string): string {
  return join(distDir, ...path.split('/'));
}

/** Size and SHA-256 of a file, as the registry records them. */
export async function fileFacts(file: string): Promise<{ size: number; sha256: string }> {
  const [info, sha256] = await Promise.all([lstat(file), sha256File(file)]);
  return { size: info.size, sha256 };
}
