import * as ResEdit from 'resedit';
import { applicationManifest, type ExecutionLevel } from './manifest.js';
import { versionInfoOverflow, versionStrings, type VersionTexts } from './versionInfoSize.js';

export interface VersionResourceInfo extends VersionTexts {
  fileVersion: [number, number, number, number];
  executionLevel: ExecutionLevel;
  /** Contents of an .ico file. */
  icon?: Uint8Array;
}

const LANG_EN_US = 1033;
const CODEPAGE_UNICODE = 1200;
const RT_MANIFEST = 24;
const ICON_GROUP_ID = 1;

export class InvalidIconError extends Error {
  override name = 'InvalidIconError';
}

/**
 * Add VERSIONINFO, the application manifest and (optionally) an icon group to a PE image.
 * Pure: bytes in, bytes out. Replaces resources of the same type rather than adding twins,
 * so running it twice gives the same bytes as running it once.
 */
export function embedResources(pe: Uint8Array, info: VersionResourceInfo): Uint8Array {
  const exe = ResEdit.NtExecutable.from(pe);
  const res = ResEdit.NtExecutableResource.from(exe);

  res.entries = res.entries.filter((e) => e.type !== RT_MANIFEST && e.type !== 16 /* RT_VERSION */);
  const [a, b, c, d] = info.fileVersion;
  const vi = ResEdit.Resource.VersionInfo.createEmpty();
  vi.lang = LANG_EN_US;
  vi.setFileVersion(a, b, c, d, LANG_EN_US);
  vi.setProductVersion(a, b, c, d, LANG_EN_US);
  const strings = versionStrings(info);
  // resedit would drop a string that does not fit, silently (the stage refuses it before building).
  const over = versionInfoOverflow(strings);
  if (over) throw new RangeError(`the VERSIONINFO strings take ${over.bytes} bytes; a version resource holds ${over.max} for them`);
  vi.setStringValues({ lang: LANG_EN_US, codepage: CODEPAGE_UNICODE }, strings);
  vi.outputToResourceEntries(res.entries);

  const manifest = new TextEncoder().encode(applicationManifest({ executionLevel: info.executionLevel }));
  res.entries.push({ type: RT_MANIFEST, id: 1, lang: LANG_EN_US, codepage: 0, bin: manifest.slice().buffer });

  if (info.icon) {
    let iconFile: ResEdit.Data.IconFile;
    try {
      iconFile = ResEdit.Data.IconFile.from(info.icon.slice().buffer);
    } catch (err) {
      throw new InvalidIconError(`not a valid .ico file (${(err as Error).message})`);
    }
    if (iconFile.icons.length === 0) throw new InvalidIconError('the .ico file holds no images');
    ResEdit.Resource.IconGroupEntry.replaceIconsForResource(
      res.entries,
      ICON_GROUP_ID,
      LANG_EN_US,
      iconFile.icons.map((item) => item.data),
    );
  }

  res.outputResource(exe);
  return new Uint8Array(exe.generate());
}
