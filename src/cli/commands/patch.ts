import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { applyPatch, createPatch, patchInfo, WrongInputError } from '../../delta/patch.js';
import { ALGORITHMS } from '../../delta/format.js';
import { CorruptPatchError } from '../../delta/rangeCoder.js';
import { StageError, UsageError } from '../../util/errors.js';
import { sha256, writeFileDurable } from '../../util/fs.js';
import type { CliIo } from '../io.js';

// `release patch create|apply|info`: the delta format by hand, for a patch made or checked
// outside a release (docs/patch-format.md). Applying verifies before it writes and writes
// through a temp file and a rename, so OUT is the new file or untouched.

export const patchHelp = `Usage:
  release patch create OLD NEW -o PATCH [--json]   make a patch that turns OLD into NEW
  release patch apply OLD PATCH -o NEW [--json]    apply it: NEW is written only if it is exactly
                                                   the file the patch promises (size and SHA-256)
  release patch info PATCH [--json]                what a patch applies to and makes

A patch names its old and new files by size and SHA-256: applying it to any other file is refused,
and so is a truncated or damaged patch. -o may name OLD itself (apply in place: OLD is replaced
only once the new file is complete and verified). Format: docs/patch-format.md.`;

const bytes = (n: number) => `${n.toLocaleString('en-US')} bytes`;

/** A file argument, read whole: a clear error for a missing file, a folder or a device. */
async function readInput(path: string, role: string, cwd: string): Promise<Uint8Array> {
  const full = resolve(cwd, path);
  const info = await stat(full).catch((err: NodeJS.ErrnoException) => {
    throw new UsageError(`${role} ${path}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
  });
  if (!info.isFile()) throw new UsageError(`${role} ${path}: not a regular file`);
  return readFile(full);
}

async function writeOutput(path: string, data: Uint8Array, cwd: string): Promise<void> {
  await writeFileDurable(resolve(cwd, path), data).catch((err: NodeJS.ErrnoException) => {
    const why = err.code === 'ENOSPC' ? 'the disk is full' : err.code === 'EACCES' || err.code === 'EPERM' ? 'permission denied' : err.message;
    throw new StageError(`could not write ${path}: ${why}; it was left as it was`);
  });
}

function output(values: Record<string, unknown>, command: string): string {
  const out = values.output as string | undefined;
  if (!out) throw new UsageError(`release patch ${command} needs -o FILE (where to write the result)`);
  return out;
}

export async function patchCommand(values: Record<string, unknown>, positionals: string[], io: CliIo): Promise<number> {
  const [sub, ...args] = positionals;
  const json = values.json === true;
  const say = (text: string, data: object) => io.stdout.write(json ? `${JSON.stringify(data, null, 2)}\n` : `${text}\n`);
  switch (sub) {
    case 'create': {
      if (args.length !== 2) throw new UsageError('usage: release patch create OLD NEW -o PATCH');
      const out = output(values, 'create');
      const [oldPath, newPath] = args as [string, string];
      if ([oldPath, newPath].some((p) => resolve(io.cwd, p) === resolve(io.cwd, out))) throw new UsageError(`-o ${out}: would overwrite an input; name another file`);
      const [old, neu] = [await readInput(oldPath, 'OLD', io.cwd), await readInput(newPath, 'NEW', io.cwd)];
      const started = performance.now();
      let patch: Uint8Array;
      try {
        patch = createPatch(old, neu);
      } catch (err) {
        if (err instanceof RangeError) throw new UsageError(err.message);
        throw err;
      }
      const seconds = (performance.now() - started) / 1000;
      await writeOutput(out, patch, io.cwd);
      const share = neu.length ? ` (${((100 * patch.length) / neu.length).toFixed(2)} % of NEW)` : '';
      say(`${out}: ${bytes(patch.length)}${share}, made in ${seconds.toFixed(1)} s`, { patch: out, size: patch.length, oldSize: old.length, newSize: neu.length, sha256: sha256(patch), seconds });
      return 0;
    }
    case 'apply': {
      if (args.length !== 2) throw new UsageError('usage: release patch apply OLD PATCH -o NEW');
      const out = output(values, 'apply');
      const [oldPath, patchPath] = args as [string, string];
      const [old, patch] = [await readInput(oldPath, 'OLD', io.cwd), await readInput(patchPath, 'PATCH', io.cwd)];
      let neu: Uint8Array;
      try {
        neu = applyPatch(old, patch);
      } catch (err) {
        if (err instanceof WrongInputError) throw new StageError(`${oldPath}: ${err.message}; nothing was written`);
        if (err instanceof CorruptPatchError) throw new StageError(`${patchPath}: ${err.message}; nothing was written`);
        throw err;
      }
      await writeOutput(out, neu, io.cwd);
      const digest = sha256(neu);
      say(`${out}: ${bytes(neu.length)}, SHA-256 ${digest} (verified)`, { output: out, size: neu.length, sha256: digest });
      return 0;
    }
    case 'info': {
      if (args.length !== 1) throw new UsageError('usage: release patch info PATCH [--json]');
      const patch = await readInput(args[0]!, 'PATCH', io.cwd);
      let header;
      try {
        header = patchInfo(patch);
      } catch (err) {
        if (err instanceof CorruptPatchError) throw new StageError(`${args[0]}: ${err.message}`);
        throw err;
      }
      const algorithm = ALGORITHMS[header.algorithm];
      say(
        [
          `patch      ${args[0]} (${bytes(patch.length)}, format ${header.formatVersion}, algorithm ${header.algorithm} ${algorithm})`,
          `applies to ${bytes(header.oldSize)}, SHA-256 ${header.oldSha256}`,
          `makes      ${bytes(header.newSize)}, SHA-256 ${header.newSha256}`,
        ].join('\n'),
        { size: patch.length, ...header, algorithmName: algorithm },
      );
      return 0;
    }
    default:
      throw new UsageError(`release patch: ${sub === undefined ? 'which one?' : `"${sub}" is not a patch command`} (create, apply or info)\n\n${patchHelp}`);
  }
}
