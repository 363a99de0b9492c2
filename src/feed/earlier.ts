import type { KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EarlierRelease } from '../artifacts/earlier.js';
import { EarlierReleaseError } from '../artifacts/earlier.js';
import { inDist } from '../artifacts/files.js';
import { artifactsDocumentSchema } from '../artifacts/manifest.js';
import { ARTIFACTS_JSON } from '../artifacts/names.js';
import { sha256File } from '../util/fs.js';
import { compareSemver, parseSemver, type SemVer } from '../version/semver.js';
import { verifyIndex } from './key.js';
import { ARTIFACTS_FILE_KIND, RELEASES_JSON, RELEASES_SIG } from './model.js';
import { openFeed, readFeedIndex, type FeedLogger } from './publish.js';
import type { S3Options } from './s3Store.js';
import { versionPath } from './release.js';

// Earlier releases read from an update feed, to make delta patches from: the newest versions of
// the feed before this one, their files downloaded into a cache folder laid out like dist/, each
// checked against the signed releases.json. What comes out is what the patch stage reads from a
// local folder of earlier releases (src/artifacts/earlier.ts).

export interface FeedEarlierOptions {
  feed: string;
  cwd: string;
  s3?: S3Options;
  project: string;
  current: SemVer;
  count: number;
  /** Artifact kinds whose files are downloaded (patches.kinds). */
  kinds: readonly string[];
  /** Where the files go: <cacheDir>/<version>/<path in dist>. */
  cacheDir: string;
  /** Checks releases.json.sig. */
  publicKey: KeyObject;
  logger: FeedLogger;
}

export async function earlierReleasesFromFeed(o: FeedEarlierOptions): Promise<EarlierRelease[]> {
  const store = await openFeed(o.feed, o);
  try {
    const index = await readFeedIndex(store, await store.list());
    if (!index) {
      o.logger.info(`${store.display} has no ${RELEASES_JSON} yet: no earlier releases to patch from`);
      return [];
    }
    const sig = (await store.read(RELEASES_SIG))?.toString('utf8');
    if (sig === undefined || !verifyIndex(Buffer.from(index.text, 'utf8'), sig, o.publicKey)) {
      throw new EarlierReleaseError(
        `${store.display}: ${RELEASES_JSON} ${sig === undefined ? 'has no signature' : 'does not verify with the feed key'} (${RELEASES_SIG}); patches are made only from a feed whose index is signed with this project's key (publish.publicKey, publish.feedKey or WINSHIP_FEED_KEY)`,
      );
    }
    if (index.doc.project !== o.project) throw new EarlierReleaseError(`${store.display} is the feed of "${index.doc.project}", not of "${o.project}": patches are made between versions of one project`);
    const chosen = index.doc.releases.filter((r) => compareSemver(parseSemver(r.version)!, o.current) < 0).slice(0, o.count);
    const out: EarlierRelease[] = [];
    for (const r of chosen) {
      const dir = join(o.cacheDir, r.version);
      const fetchChecked = async (path: string, size: number, sha256: string): Promise<string> => {
        const local = inDist(dir, path.slice(r.version.length + 1));
        if ((await sha256File(local).catch(() => undefined)) === sha256) return local;
        await store.download(path, local);
        const got = await sha256File(local);
        if (got !== sha256) {
          throw new EarlierReleaseError(`${store.display}${path} is not the file ${RELEASES_JSON} lists (${size} bytes, sha256 ${sha256.slice(0, 12)}…, got ${got.slice(0, 12)}…): the feed was changed behind its index; publish ${r.version} again`);
        }
        return local;
      };
      const manifest = r.files.find((f) => f.kind === ARTIFACTS_FILE_KIND);
      if (!manifest) throw new EarlierReleaseError(`${store.display}: version ${r.version} lists no ${ARTIFACTS_JSON}, so its files cannot be matched to this release's`);
      const doc = artifactsDocumentSchema.safeParse(JSON.parse(await readFile(await fetchChecked(manifest.path, manifest.size, manifest.sha256), 'utf8')));
      if (!doc.success || doc.data.version !== r.version || doc.data.project !== o.project) {
        throw new EarlierReleaseError(`${store.display}${manifest.path} is not the artifacts.json of ${o.project} ${r.version}`);
      }
      const listed = new Map(r.files.map((f) => [f.path, f]));
      for (const a of doc.data.artifacts.filter((x) => o.kinds.includes(x.kind))) {
        const f = listed.get(versionPath(r.version, a.path));
        if (!f || f.sha256 !== a.sha256) throw new EarlierReleaseError(`${store.display}: ${r.version}'s artifacts.json lists ${a.path}, which ${RELEASES_JSON} ${f ? 'lists with other bytes' : 'does not list'}`);
        await fetchChecked(f.path, f.size, f.sha256);
      }
      o.logger.info(`earlier release ${r.version} from ${store.display} (checked against its signed ${RELEASES_JSON})`);
      out.push({ dir, project: o.project, version: r.version, semver: parseSemver(r.version)!, source: ARTIFACTS_JSON, artifacts: doc.data.artifacts });
    }
    return out;
  } finally {
    store.close?.();
  }
}
