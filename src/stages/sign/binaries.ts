import { preload } from '../../context/preload.js';
import type { TargetStage } from '../../context/stage.js';
import { signArtifacts, signingSkipReason, startSigning, stillToSign } from './artifacts.js';

/** Authenticode on every exe not signed yet, before anything packs them (MSI, zip, checksums). */
export const signBinaries: TargetStage = {
  id: 'sign',
  title: 'Sign binaries',
  scope: 'target',
  consumes: [],
  produces: [],
  modifies: ['binary'],
  skip: (ctx) => signingSkipReason(ctx, ['binary']),
  prepare: startSigning,
  preload: () => preload(import('../../signing/engine.js')),
  run: (ctx, target, signal) => signArtifacts(ctx, stillToSign(ctx, 'binary', target), signal),
};
