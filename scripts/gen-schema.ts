// Writes schema/release.schema.json from the zod schema in src/config/schema.ts, so editors can
// complete and check release.yaml. A test fails when the committed file is out of date.
import { writeFileSync } from 'node:fs';
import { releaseJsonSchema } from '../src/config/schema.js';

const out = new URL('../schema/release.schema.json', import.meta.url);
writeFileSync(out, `${JSON.stringify(releaseJsonSchema(), null, 2)}\n`);
console.log(`wrote ${out.pathname}`);
