import { UsageError } from '../util/errors.js';

// The .appinstaller files at the feed root: the release's own App Installer files, with the file's
// Uri set to where it is served in the feed (base URL + its name) and the package's Uri pointing
// into the version folder (base URL + <version>/<package path>). Everything else (update settings,
// identity, namespace) is what the appinstaller stage wrote and checked.

const xmlAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The http(s) base URL, ending in "/"; a user error for anything else. */
export function feedBaseUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--base-url ${text}: not a URL; give the http(s) address the feed is served from, like https://downloads.example.com/hello/`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UsageError(`--base-url ${text}: a feed is served over http(s) (App Installer and the update client download from it), not ${url.protocol.replace(/:$/, '')}:; give an https:// URL`);
  }
  if (url.search || url.hash) throw new UsageError(`--base-url ${text}: no query or fragment; files are found by appending their paths`);
  if (url.username || url.password) throw new UsageError(`--base-url: no credentials in the URL (they would be published in every .appinstaller file)`);
  return url.href.endsWith('/') ? url.href : `${url.href}/`;
}

/** `path` (with "/") under `base`, each part percent-encoded. */
export function feedUrl(base: string, path: string): string {
  return base + path.split('/').map(encodeURIComponent).join('/');
}

/**
 * The release's App Installer file `xml` rewritten for the feed root: `<AppInstaller Uri>` and
 * the `Uri` of its MainPackage or MainBundle. `where` names the file in messages.
 */
export function rewriteAppInstaller(xml: string, uri: string, packageUri: string, where: string): string {
  let out = xml;
  for (const [element, value] of [
    ['AppInstaller', uri],
    ['Main(?:Package|Bundle)', packageUri],
  ] as const) {
    const re = new RegExp(`(<${element}\\b[^>]*?\\sUri=")([^"]*)(")`, 'g');
    const hits = [...out.matchAll(re)].length;
    if (hits !== 1) throw new UsageError(`${where}: expected one <${element.replace(/\(\?:|\)/g, '').replace('|', ' or Main')}> with a Uri, found ${hits}; write the App Installer files again (release appinstaller)`);
    out = out.replace(re, (_m, a: string, _old: string, c: string) => `${a}${xmlAttr(value)}${c}`);
  }
  return out;
}
