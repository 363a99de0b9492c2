import { join } from 'node:path';
import { createTestPki, type TestPki } from './pki.js';
import { startTsaFleet, type TsaFleet } from './tsa-fleet.js';

/** A test PKI and one healthy local timestamp server, for end-to-end releases that really sign. */
export interface SigningFixture {
  pki: TestPki;
  fleet: TsaFleet;
  /** The environment a run needs (the PFX password). */
  env: Record<string, string>;
  /** The `sign:` and `timestamp:` sections of a release.yaml that signs with them. */
  yaml: string;
  stop(): Promise<void>;
}

export async function startSigningFixture(dir: string): Promise<SigningFixture> {
  const pki = await createTestPki(join(dir, 'pki'));
  const fleet = await startTsaFleet(pki, [{ kind: 'healthy', name: 'tsa' }]);
  const yaml = `sign:
  certificate:
    pfx: ${pki.codeSigning.pfxPath}
  verify:
    caFile: ${pki.rootBundlePath}
    tsaCaFile: ${pki.rootBundlePath}
timestamp:
  servers: [${fleet.url('tsa')}]
  timeoutSeconds: 10
`;
  return { pki, fleet, env: { WINSHIP_PFX_PASSWORD: pki.codeSigning.pfxPassword }, yaml, stop: () => fleet.stop() };
}
