import type { TargetStage } from '../../context/stage.js';
import { signArtifacts, signingSkipReason, startSigning, stillToSign } from './artifacts.js';

/** Authenticode on the installers not signed yet, right after they are built (before checksums). */
export const signPackages: TargetStage = {
  id: 'sign-packages',
  title: 'Sign packages',
  scope: 'target',
  consumes: [],
  produces: [],
  modifies: ['msi'],
  skip: (ctx) => signingSkipReason(ctx, ['msi', 'msix']),
  prepare: startSigning,
  run: (ctx, target, signal) => signArtifacts(ctx, stillToSign(ctx, 'msi', target), signal),
};
