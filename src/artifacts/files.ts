import { stat } from 'node:fs/promises';
import { relative, sep } from 'node:path';
import type { Artifact } from './registry.js';
import { sha256File } from '../util/fs.js';

// File facts about artifacts, shared by the checksums and manifest stages.

export function distRelative(ctx: { distDir: string }, artifact: Artifact): string {
  return relative(ctx.distDir, artifact.path).split(sep).join('/');
}

/** Hash a file and record size and digest on its artifact. */
export async function fingerprint(artifact: Artifact): Promise<void> {
  const [info, digest] = await Promise.all([stat(artifact.path), sha256File(artifact.path)]);
  artifact.size = info.size;
  artifact.sha256 = digest;
}

