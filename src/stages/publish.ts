import type { ReleaseContext } from '../context/context.js';
import { factsOf } from '../context/context.js';
import type { ReleaseStage } from '../context/stage.js';
import { fileFacts } from '../artifacts/files.js';
import { ARTIFACTS_JSON } from '../artifacts/names.js';
import { ARTIFACT_KINDS } from '../artifacts/kinds.js';
import { publishRefusal } from '../artifacts/publishable.js';
import { feedBaseUrl } from '../feed/appinstaller.js';
import { loadFeedKey } from '../feed/key.js';
import { isS3Url } from '../feed/store.js';
import { feedDate } from '../feed/release.js';
import { UsageError } from '../util/errors.js';

// The last stage when release.yaml has a publish: section: the finished release (checksums and
// manifests written) goes into the update feed, as `release publish` would put it there.

const feedOf = (ctx: ReleaseContext) => {
  const feed = ctx.config.publish!.feed;
  return isS3Url(feed) ? feed : ctx.project(feed);
};

export const publish: ReleaseStage = {
  id: 'publish',
  title: 'Publish to the update feed',
  scope: 'release',
  consumes: [...ARTIFACT_KINDS],
  produces: [],
  modifies: [],
  publishes: true,
  skip: (ctx) => (ctx.config.publish ? false : 'no publish: section in release.yaml'),
  async prepare(ctx) {
    const cfg = ctx.config.publish!;
    try {
      feedBaseUrl(cfg.baseUrl);
    } catch (err) {
      throw new UsageError(`${ctx.positions.at(['publish', 'baseUrl'])}: ${(err as Error).message.replace(/^--base-url /, '')}`);
    }
    if (ctx.options.devCert) throw new UsageError(`${ctx.positions.at(['publish'])}: a --dev-cert release is never published (no Windows trusts its certificate); build without --dev-cert, or with --skip publish`);
    if (!ctx.runner.dryRun) await loadFeedKey(cfg.feedKey === undefined ? undefined : ctx.project(cfg.feedKey), ctx.env);
  },
  async run(ctx) {
    const cfg = ctx.config.publish!;
    if (ctx.runner.dryRun) {
      ctx.logger.info(`# publish ${ctx.release.version} to ${cfg.feed} (${cfg.baseUrl})`);
      return;
    }
    const artifacts = ctx.artifacts.all();
    const refusal = publishRefusal({ version: ctx.release.version, devCert: ctx.options.devCert, artifacts });
    if (refusal) throw new UsageError(refusal);
    const { publishRelease } = await import('../feed/publish.js');
    const key = await loadFeedKey(cfg.feedKey === undefined ? undefined : ctx.project(cfg.feedKey), ctx.env);
    await publishRelease(
      {
        dir: ctx.distDir,
        project: ctx.config.project.name,
        version: ctx.release.version,
        date: feedDate(factsOf(ctx.release).date),
        devCert: ctx.options.devCert,
        artifacts,
        artifactsJson: await fileFacts(ctx.dist(ARTIFACTS_JSON)),
      },
      {
        feed: feedOf(ctx),
        baseUrl: cfg.baseUrl,
        ...(cfg.keep !== undefined ? { keep: cfg.keep } : {}),
        force: false,
        allowOlder: false,
        breakLock: false,
        dryRun: false,
        key,
        cwd: ctx.projectDir,
        s3: { env: ctx.env, ...(cfg.s3Endpoint ? { endpoint: cfg.s3Endpoint } : {}), ...(cfg.s3PathStyle !== undefined ? { pathStyle: cfg.s3PathStyle } : {}) },
        logger: { info: (m) => ctx.logger.info(m), warn: (m) => ctx.warn(m) },
      },
    );
  },
};
