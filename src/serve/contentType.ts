import { extname } from 'node:path';

// The Content-Type of a feed file, by its extension. App Installer checks the MSIX ones: served
// as application/octet-stream, an .appinstaller or a package is refused (domain notes §4).
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.msix': 'application/msix',
  '.msixbundle': 'application/msixbundle',
  '.appx': 'application/appx',
  '.appxbundle': 'application/appxbundle',
  '.appinstaller': 'application/appinstaller',
  '.json': 'application/json',
  '.sig': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.msi': 'application/x-msi',
  '.zip': 'application/zip',
};

export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/** The Content-Type to serve `name` with: exes, patches and anything unknown as bytes. */
export function contentTypeOf(name: string): string {
  return CONTENT_TYPES[extname(name).toLowerCase()] ?? DEFAULT_CONTENT_TYPE;
}
