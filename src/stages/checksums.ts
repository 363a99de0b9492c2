import { formatSha256Sums } from '../archive/checksums.js';
import { checksumsName } from '../artifacts/names.js';
import type { ReleaseStage } from '../context/stage.js';
import { StageError } from '../util/errors.js';
import { writeFileAtomic } from '../util/fs.js';

/**
 * Last stage that touches release files: nothing may change a file after its digest is written.
 * The digests are the recorded ones: every stage records a file's SHA-256 when it writes it, and
 * a run that continues from the state checked them all when it started.
 */
export const checksums: ReleaseStage = {
  id: 'checksum',
  title: 'Write checksums',
  scope: 'release',
  consumes: ['binary', 'msi', 'msix', 'appinstaller', 'archive', 'patch', 'patches', 'winget', 'scoop'],
  produces: ['checksums'],
  modifies: [],
  async run(ctx) {
    // Never vouch for a package that holds old bytes of a file it packed (the run that changed
    // the file would have remade it; this is the last line of defence).
    const stale = ctx.artifacts.all().flatMap((a) => ctx.artifacts.staleInputs(a).map((p) => `${a.path} packed ${p.path} as it was before it changed`));
    if (stale.length) {
      throw new StageError(`not writing checksums over packages that hold old bytes:\n  ${stale.join('\n  ')}\nRemake them: release build --only msi,sign-packages,archive,checksum,manifest`);
    }
    for (const old of ctx.artifacts.ofKind('checksums')) ctx.artifacts.remove(old.path);
    const files = ctx.artifacts.all();
    if (files.length === 0) return;
    const name = checksumsName(ctx);
    const path = ctx.fileOf({ path: name });
    if (ctx.runner.dryRun) {
      ctx.logger.info(`# write ${path} (sha256 of ${files.length} files)`);
    } else {
      await writeFileAtomic(path, formatSha256Sums(files.map((a) => ({ name: a.path, sha256: a.sha256 }))));
    }
    await ctx.record({ kind: 'checksums', name, path: name, algorithm: 'sha256', files: files.length });
  },
};
