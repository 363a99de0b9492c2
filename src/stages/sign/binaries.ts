import { byArch } from '../../artifacts/registry.js';
import { preload } from '../../context/preload.js';
import type { TargetStage } from '../../context/stage.js';
import { archOf } from '../../util/arch.js';
import { signArtifacts, signingSkipReason, startSigning } from './artifacts.js';

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
  run: (ctx, target, signal) =>
    signArtifacts(
      ctx,
      ctx.artifacts.ofKind('binary', byArch(archOf(target))).filter((b) => !b.signature && (ctx.options.files?.has(b.path) ?? true)),
      signal,
    ),
};
