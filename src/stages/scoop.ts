import { archiveName, checksumsName } from '../artifacts/names.js';
import { packedFile } from '../artifacts/registry.js';
import { autoupdateUrl, renderScoopManifest, SCOOP_ARCH, scoopDocument, type ScoopModel } from '../channels/scoop.js';
import type { KeyPath } from '../config/positions.js';
import type { ReleaseContext } from '../context/context.js';
import type { ReleaseStage } from '../context/stage.js';
import { archOf, type GoArch } from '../util/arch.js';
import { problemsOf, UsageError } from '../util/errors.js';
import { writeFileAtomic } from '../util/fs.js';
import { baseUrlOrigin, channelBaseTemplate, channelBaseUrl, downloadUrl, schemaErrors, vendoredValidator } from './channelsSetup.js';
import { versionOrigin } from './versionOrigin.js';

// A Scoop manifest for the release's zips: dist/scoop/<name>.json, for a bucket. Checked against
// Scoop's published schema when the run starts and again, with the real digests, before writing.

type ScoopConfig = NonNullable<ReleaseContext['config']['scoop']>;

export function scoopName(ctx: ReleaseContext): string {
  return ctx.config.scoop?.name ?? ctx.config.project.name;
}

/** https://github.com/OWNER/REPO of a homepage or download URL, if it is one. */
export function githubRepository(url: string | undefined): string | undefined {
  const m = url ? /^https:\/\/github\.com\/([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+?)(?:\.git)?(?:\/|$)/.exec(url) : null;
  return m ? `https://github.com/${m[1]}/${m[2]}` : undefined;
}

/** checkver: as configured, else the GitHub releases of the homepage (or of the download URL). */
function checkverOf(ctx: ReleaseContext, cfg: ScoopConfig, base: string): ScoopModel['checkver'] {
  if (cfg.checkver === false) return undefined;
  if (cfg.checkver) return cfg.checkver;
  const repo = githubRepository(ctx.config.project.homepage) ?? githubRepository(base);
  return repo ? { github: repo } : undefined;
}

function zipArches(ctx: ReleaseContext): GoArch[] {
  return [...new Set(ctx.config.builds.flatMap((b) => ctx.targetsOf(b)).map(archOf))];
}

/** The manifest for zips (recorded or planned) served under `base`. */
function scoopModel(ctx: ReleaseContext, cfg: ScoopConfig, base: string, zips: readonly { name: string; goarch: GoArch; sha256: string }[]): ScoopModel {
  const { project } = ctx.config;
  const version = ctx.release.version;
  const binaries = [...new Set(ctx.config.builds.map((b) => `${b.binary}.exe`))];
  const productName = ctx.config.msi?.productName ?? project.name;
  const checkver = checkverOf(ctx, cfg, base);
  const shortcuts = cfg.shortcuts === false ? [] : [...new Map(ctx.config.builds.filter((b) => b.gui).map((b) => [b.binary, [`${b.binary}.exe`, ctx.config.builds.filter((x) => x.gui).length > 1 ? b.binary : productName] as const])).values()];
  return {
    version,
    ...((cfg.description ?? project.description) ? { description: cfg.description ?? project.description } : {}),
    homepage: project.homepage ?? '',
    license: cfg.license ?? project.license ?? '',
    architectures: Object.fromEntries(
      zips.map((z) => {
        const url = downloadUrl(base, z.name);
        const update = autoupdateUrl(url, version);
        return [SCOOP_ARCH[z.goarch], { url, sha256: z.sha256, ...(update ? { autoupdateUrl: update } : {}) }];
      }),
    ),
    bin: cfg.bin ?? binaries,
    shortcuts,
    notes: cfg.notes,
    ...(checkver ? { checkver } : {}),
    ...(cfg.autoupdate ? { autoupdateChecksumsUrl: autoupdateUrl(downloadUrl(base, checksumsName(ctx)), version) ?? '' } : {}),
  };
}

function keyOf(ctx: ReleaseContext, cfg: ScoopConfig): (field: string) => KeyPath | string | undefined {
  return (field) => {
    switch (field) {
      case 'version':
        return versionOrigin(ctx);
      case 'description':
        return cfg.description !== undefined ? ['scoop', 'description'] : ['project', 'description'];
      case 'homepage':
        return ['project', 'homepage'];
      case 'license':
        return cfg.license !== undefined ? ['scoop', 'license'] : ['project', 'license'];
      case 'url':
      case 'architecture':
      case 'autoupdate':
        return baseUrlOrigin(ctx, 'scoop');
      case 'bin':
        return cfg.bin ? ['scoop', 'bin'] : ['builds'];
      case 'checkver':
      case 'notes':
        return ['scoop', field];
      default:
        return undefined;
    }
  };
}

async function checkModel(ctx: ReleaseContext, cfg: ScoopConfig, model: ScoopModel, doc: Record<string, unknown>): Promise<void> {
  const errors: UsageError[] = [];
  if (!model.homepage) errors.push(new UsageError(`${ctx.positions.at(['project'])}: a Scoop manifest needs a homepage: set project.homepage`));
  if (!model.license) errors.push(new UsageError(`${ctx.positions.at(['project'])}: a Scoop manifest needs a licence: set project.license (an SPDX identifier such as MIT) or scoop.license`));
  if (cfg.autoupdate && model.checkver && model.autoupdateChecksumsUrl === '') {
    ctx.warn(`${baseUrlOrigin(ctx, 'scoop')}: the download URLs do not hold the version, so the Scoop manifest gets no autoupdate (a bucket could not find the next release's files); put {{.Version}} or {{.Tag}} in the base URL`);
  }
  const { SCOOP_SCHEMA_FILE } = await import('../channels/schemas.js');
  const validate = await vendoredValidator(ctx, SCOOP_SCHEMA_FILE);
  const problems = validate(doc).filter((p) => !(p.pointer === '/homepage' && !model.homepage) && !(p.pointer === '/license' && !model.license));
  errors.push(...(await schemaErrors(ctx, 'Scoop manifest', problems, keyOf(ctx, cfg))));
  const found = problemsOf(errors);
  if (found) throw found;
}

export const scoop: ReleaseStage = {
  id: 'scoop',
  title: 'Write the Scoop manifest',
  scope: 'release',
  consumes: ['archive'],
  produces: ['scoop'],
  modifies: [],
  skip: (ctx) =>
    !ctx.config.scoop
      ? 'no scoop: section in release.yaml'
      : ctx.config.scoop.disabled
        ? 'scoop.disabled is set'
        : channelBaseTemplate(ctx, 'scoop') === undefined
          ? 'no scoop.baseUrl in release.yaml (or release channels --base-url)'
          : false,
  async prepare(ctx) {
    const cfg = ctx.config.scoop!;
    if (ctx.config.archives.disabled) throw new UsageError(`${ctx.positions.at(['scoop'])}: a Scoop manifest installs the zips, and archives.disabled is set`);
    const base = await channelBaseUrl(ctx, 'scoop');
    const planned = zipArches(ctx).map((goarch) => ({ name: archiveName(ctx, goarch), goarch, sha256: '0'.repeat(64) }));
    const model = scoopModel(ctx, cfg, base, planned);
    await checkModel(ctx, cfg, model, scoopDocument(model));
  },
  async run(ctx) {
    const cfg = ctx.config.scoop!;
    const zips = ctx.artifacts.ofKind('archive');
    if (zips.length === 0) throw new UsageError(`scoop: the release in ${ctx.distDir} holds no zips to point at; build them first`);
    const base = await channelBaseUrl(ctx, 'scoop');
    const model = scoopModel(ctx, cfg, base, zips);
    const doc = scoopDocument(model);
    await checkModel(ctx, cfg, model, doc);
    const name = `${scoopName(ctx)}.json`;
    const path = `scoop/${name}`;
    if (ctx.runner.dryRun) ctx.logger.info(`# write ${ctx.fileOf({ path })} (Scoop manifest, ${zips.length} zips)`);
    else await writeFileAtomic(ctx.fileOf({ path }), renderScoopManifest(doc));
    await ctx.record({ kind: 'scoop', name, path, scoop: { name: scoopName(ctx), version: model.version }, packs: zips.map(packedFile) });
  },
};
