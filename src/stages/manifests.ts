import { artifactsDocument, metadataDocument } from '../artifacts/manifest.js';
import { ARTIFACTS_JSON, METADATA_JSON } from '../artifacts/names.js';
import { factsOf, type ReleaseContext } from '../context/context.js';
import type { ReleaseStage } from '../context/stage.js';
import { writeFileAtomic } from '../util/fs.js';
import { TOOL_VERSION } from '../util/toolVersion.js';

/** What the manifests say about the run of `ctx`. */
export function manifestFacts(ctx: ReleaseContext) {
  return {
    project: ctx.config.project.name,
    release: factsOf(ctx.release),
    artifacts: ctx.artifacts.all(),
    tools: { winship: TOOL_VERSION, ...Object.fromEntries(Object.entries(ctx.toolVersions).sort(([a], [b]) => (a < b ? -1 : 1))) },
  };
}

/** artifacts.json and metadata.json, each replaced atomically: a failed run never leaves half a manifest. */
export const manifests: ReleaseStage = {
  id: 'manifest',
  title: 'Write artifacts.json and metadata.json',
  scope: 'release',
  consumes: ['binary', 'msi', 'msix', 'appinstaller', 'archive', 'patch', 'patches', 'winget', 'scoop', 'checksums'],
  produces: [],
  modifies: [],
  async run(ctx) {
    if (ctx.runner.dryRun) {
      ctx.logger.info(`# write ${ctx.dist(ARTIFACTS_JSON)} and ${ctx.dist(METADATA_JSON)}`);
      return;
    }
    const facts = manifestFacts(ctx);
    const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;
    await writeFileAtomic(ctx.dist(METADATA_JSON), json(metadataDocument(facts)));
    await writeFileAtomic(ctx.dist(ARTIFACTS_JSON), json(artifactsDocument(facts)));
  },
};
