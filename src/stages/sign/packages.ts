import type { TargetStage } from '../../context/stage.js';
import { checkMsixPublishers, signArtifacts, signingSkipReason, startSigning, stillToSign } from './artifacts.js';

/** Authenticode on the installers not signed yet (MSI, MSIX), right after they are built (before checksums). */
export const signPackages: TargetStage = {
  id: 'sign-packages',
  title: 'Sign packages',
  scope: 'target',
  consumes: [],
  produces: [],
  modifies: ['msi', 'msix'],
  skip: (ctx) => signingSkipReason(ctx, ['msi', 'msix']),
  prepare: startSigning,
  async run(ctx, target, signal) {
    const msix = stillToSign(ctx, 'msix', target);
    await checkMsixPublishers(ctx, msix);
    await signArtifacts(ctx, [...stillToSign(ctx, 'msi', target), ...msix], signal);
  },
};
