import { distRelative, fingerprint } from '../artifacts/files.js';
import { formatSha256Sums } from '../archive/checksums.js';
import { checksumsName } from '../artifacts/names.js';
import { runBounded } from '../util/parallel.js';
import type { Stage } from '../context/stage.js';
import { writeFileAtomic } from '../util/fs.js';

/** Last stage that touches release files: nothing may change a file after its digest is written. */
export const checksums: Stage = {
  id: 'checksum',
  title: 'Write checksums',
  needs: ['build'],
  skip: (ctx) => (ctx.artifacts.all().length === 0 ? 'no release files' : false),
  async run(ctx) {
    const files = ctx.artifacts.filter((a) => a.kind !== 'checksums');
    const path = ctx.dist(checksumsName(ctx));
    if (ctx.runner.dryRun) {
      ctx.logger.info(`# write ${path} (sha256 of ${files.length} files)`);
    } else {
      await runBounded(files, ctx.options.concurrency, ctx.signal, fingerprint);
      await writeFileAtomic(path, formatSha256Sums(files.map((a) => ({ name: distRelative(ctx, a), sha256: a.sha256! }))));
    }
    ctx.artifacts.add({ kind: 'checksums', name: checksumsName(ctx), path, extra: { algorithm: 'sha256', files: files.length } });
  },
};
