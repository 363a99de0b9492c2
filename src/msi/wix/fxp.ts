// fast-xml-parser, loaded through its CommonJS build: one bundled file of the same code, which
// loads in about 10 ms where its ES module graph (parser, validator, entity tables, ~20 files)
// takes about 60 ms, on every `release harvest` and `release build`. Import it from here only,
// so a run never loads both copies.

import { createRequire } from 'node:module';

const fxp = createRequire(import.meta.url)('fast-xml-parser') as typeof import('fast-xml-parser');

export const { XMLBuilder, XMLParser, XMLValidator } = fxp;

/**
 * The builder every document we write goes through: fast-xml-parser's ordered node form, 2-space
 * indent, empty elements self-closed, and no entity processing (the callers escape values).
 */
export function documentBuilder(): InstanceType<typeof XMLBuilder> {
  return new XMLBuilder({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    format: true,
    indentBy: '  ',
    suppressEmptyNode: true,
    processEntities: false,
  });
}
