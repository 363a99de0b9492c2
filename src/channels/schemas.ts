import { fileURLToPath } from 'node:url';
import { WINGET_MANIFEST_VERSION, type WingetManifestType } from './winget.js';

// Where the vendored schemas are (schema/vendor/, shipped in the npm package): the manifests are
// checked against them offline, in CI and on a user's machine alike.

const vendor = (path: string) => fileURLToPath(new URL(`../../schema/vendor/${path}`, import.meta.url));

/** winget-cli's schemas/JSON/manifests/v1.28.0/manifest.<type>.1.28.0.json. */
export function wingetSchemaFile(type: WingetManifestType): string {
  return vendor(`winget/${WINGET_MANIFEST_VERSION}/manifest.${type}.${WINGET_MANIFEST_VERSION}.json`);
}

/** Scoop's schema.json. */
export const SCOOP_SCHEMA_FILE = vendor('scoop/schema.json');
