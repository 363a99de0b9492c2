import { byArch } from '../../artifacts/registry.js';
import type { TargetStage } from '../../context/stage.js';
import { archOf } from '../../util/arch.js';
import { kindsToSign, signArtifacts, signingSkipReason, startSigning } from './artifacts.js';

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
  run: (ctx, target, signal) => {
    const packages = kindsToSign(ctx, ['msi']).flatMap((kind) => ctx.artifacts.ofKind(kind as 'msi', byArch(archOf(target))));
    return signArtifacts(ctx, packages.filter((p) => !p.signature && (ctx.options.files?.has(p.path) ?? true)), signal);
  },
};
