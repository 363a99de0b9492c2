import { byKind } from '../../artifacts/registry.js';
import type { Stage } from '../../context/stage.js';
import { signArtifacts, signingSkipReason } from './artifacts.js';

/** Authenticode on every exe, before anything packs them (MSI, zip, checksums). */
export const signBinaries: Stage = {
  id: 'sign',
  title: 'Sign binaries',
  needs: ['build'],
  skip: (ctx) => signingSkipReason(ctx, ['binary']),
  run: (ctx) => signArtifacts(ctx, ctx.artifacts.filter(byKind('binary'))),
};
