// Writes the published JSON Schemas from the zod schemas they are generated from: release.yaml
// (src/config/schema.ts), the release state and the manifests (src/artifacts/), the feed index (src/feed/). Tests fail when a
// committed file is out of date.
import { writeFileSync } from 'node:fs';
import { manifestJsonSchemas } from '../src/artifacts/manifest.js';
import { patchIndexJsonSchema } from '../src/artifacts/patchIndex.js';
import { stateJsonSchema } from '../src/artifacts/state.js';
import { releaseJsonSchema } from '../src/config/schema.js';
import { releasesJsonSchema } from '../src/feed/model.js';

const schemas: Record<string, Record<string, unknown>> = {
  'release.schema.json': releaseJsonSchema(),
  'state.schema.json': stateJsonSchema(),
  'artifacts.schema.json': manifestJsonSchemas().artifacts,
  'metadata.schema.json': manifestJsonSchemas().metadata,
  'patches.schema.json': patchIndexJsonSchema(),
  'releases.schema.json': releasesJsonSchema(),
};
for (const [name, schema] of Object.entries(schemas)) {
  const out = new URL(`../schema/${name}`, import.meta.url);
  writeFileSync(out, `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`wrote ${out.pathname}`);
}
