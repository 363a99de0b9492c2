// The rules on where a payload file comes from, shared by every package format: a file that
// ships or gets embedded (msi.files, archives.files, an icon, the license, a WiX template) is a
// regular file inside the project folder, after symbolic links are resolved. The checks are
// I/O (context/projectFiles.ts: lstat, stat and realpath, never an open); their vocabulary and
// titles are here, so every package reports them the same way.

import type { PayloadProblem, RuleTitles } from './problems.js';

export type SourceRule = 'outside-project' | 'missing' | 'link-dangling' | 'link-to-folder' | 'special-file' | 'unreadable';

export type SourceProblem = PayloadProblem<SourceRule>;

export const SOURCE_RULE_TITLES: RuleTitles = [
  ['outside-project', 'paths that lead out of the project folder (symbolic links resolved): copy the files into the project'],
  ['missing', 'files that do not exist'],
  ['link-dangling', 'symbolic links whose target does not exist (or that loop)'],
  ['link-to-folder', 'symbolic links to folders, which a glob does not follow: match through the link (link/**) or name the folder it points to'],
  ['special-file', 'not regular files, refused without being opened'],
  ['unreadable', 'files that cannot be read'],
];

/** What `fs.Stats` and `fs.Dirent` both tell. */
export interface FileType {
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
}

/** `a FIFO`, `a socket`, …: what a path is, for a message. */
export function describeFileType(type: FileType): string {
  if (type.isFile()) return 'a regular file';
  if (type.isDirectory()) return 'a folder';
  if (type.isSymbolicLink()) return 'a symbolic link';
  if (type.isFIFO()) return 'a FIFO';
  if (type.isSocket()) return 'a socket';
  if (type.isCharacterDevice()) return 'a character device';
  if (type.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}
