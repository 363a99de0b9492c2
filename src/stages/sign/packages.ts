import { byKind } from '../../artifacts/registry.js';
import type { Stage } from '../../context/stage.js';
import { signArtifacts, signingSkipReason } from './artifacts.js';

/** Authenticode on the installers, right after they are built (before checksums). */
export const signPackages: Stage = {
  id: 'sign-packages',
  title: 'Sign packages',
  needs: ['msi'],
  skip: (ctx) => signingSkipReason(ctx, ['msi', 'msix']) || (ctx.artifacts.filter(byKind('msi', 'msix')).length === 0 ? 'no packages were built' : false),
  run: (ctx) => {
    const kinds = (['msi', 'msix'] as const).filter((k) => ctx.config.sign?.artifacts.includes(k) ?? true);
    return signArtifacts(ctx, ctx.artifacts.filter(byKind(...kinds)));
  },
};
