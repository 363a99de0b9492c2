import type { ReleaseContext } from '../context/context.js';
import { ARTIFACTS_JSON, METADATA_JSON } from '../artifacts/names.js';
import type { Stage } from '../context/stage.js';
import { TOOL_VERSION } from '../util/toolVersion.js';
import { writeFileAtomic } from '../util/fs.js';
import { distRelative, fingerprint } from '../artifacts/files.js';

export function artifactsDocument(ctx: ReleaseContext) {
  return {
    project: ctx.config.project.name,
    version: ctx.release.version,
    artifacts: ctx.artifacts.all().map((a) => ({
      kind: a.kind,
      name: a.name,
      path: distRelative(ctx, a),
      ...(a.goos ? { goos: a.goos, goarch: a.goarch } : {}),
      ...(a.buildId ? { build: a.buildId } : {}),
      size: a.size,
      sha256: a.sha256,
      ...(Object.keys(a.extra).length ? { extra: a.extra } : {}),
    })),
  };
}

export function metadataDocument(ctx: ReleaseContext) {
  const r = ctx.release;
  return {
    project: ctx.config.project.name,
    version: r.version,
    snapshot: r.snapshot,
    versionSource: r.versionSource,
    tag: r.tag ?? null,
    commit: r.commit,
    shortCommit: r.shortCommit,
    date: r.date.toISOString(),
    dirty: r.dirty,
    tools: { winship: TOOL_VERSION, ...ctx.toolVersions },
  };
}

/** artifacts.json and metadata.json, each replaced atomically: a failed run never leaves half a manifest. */
export const manifests: Stage = {
  id: 'manifest',
  title: 'Write artifacts.json and metadata.json',
  needs: ['build'],
  async run(ctx) {
    if (ctx.runner.dryRun) {
      ctx.logger.info(`# write ${ctx.dist(ARTIFACTS_JSON)} and ${ctx.dist(METADATA_JSON)}`);
      return;
    }
    for (const a of ctx.artifacts.all()) if (a.sha256 === undefined) await fingerprint(a);
    const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;
    await writeFileAtomic(ctx.dist(METADATA_JSON), json(metadataDocument(ctx)));
    await writeFileAtomic(ctx.dist(ARTIFACTS_JSON), json(artifactsDocument(ctx)));
  },
};
