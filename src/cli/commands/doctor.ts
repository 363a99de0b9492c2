import type { DoctorReport, Finding } from '../../doctor/doctor.js';
import { UsageError } from '../../util/errors.js';
import type { CliIo } from '../io.js';

export const doctorHelp = `Usage: release doctor [--config release.yaml] [--dev-cert] [--no-probe] [--json]

Checks that this machine can make the release release.yaml describes, and prints what is missing
with the command that installs it:
  go, git              Go 1.18 or newer; git for versions and dates
  msi backend          wixl (+ msibuild) or WiX, and whether it can build what msi: asks
                       (arm64, addToPath, license, ui)
  osslsigncode         or signtool on Windows: its version against what the release needs
                       (MSIX 2.7+, a password on stdin 2.9+ or through a FIFO 2.2+, CRLs 2.8+)
  certificate          opens with its password, valid now, may sign code (codeSigning), expiry
                       within 30 days, the MSIX Publisher it gives
  timestamps           a probe of timestamp.servers (or the local authority of --dev-cert)
  wine, mingw-w64      for release verify's install test (and the ProcessPrng stand-in Wine 8
                       needs for Go 1.22+), msiinfo, xmllint, sha256sum
Without release.yaml: what a release of the defaults needs.

Options:
  --config PATH   release.yaml to read (default: ./release.yaml)
  --dev-cert      check what release build --dev-cert needs (no certificate, no network)
  --no-probe      do not contact the timestamp servers
  --json          print the findings as JSON

Exit codes: 0 nothing missing (warnings are printed), 1 something the release needs is missing.`;

const MARK = { ok: 'ok  ', warn: 'warn', fail: 'FAIL', skip: 'skip' } as const;

function line(f: Finding): string {
  return `  ${MARK[f.status]}  ${f.area.padEnd(14)}  ${f.detail}\n`;
}

export async function doctorCommand(values: Record<string, unknown>, positionals: string[], io: CliIo): Promise<number> {
  if (positionals.length) throw new UsageError(`release doctor takes no arguments, got ${positionals.join(' ')}`);
  const json = values.json === true;
  const { doctor } = await import('../../doctor/doctor.js');
  const report: DoctorReport = await doctor({
    cwd: io.cwd,
    config: values.config as string | undefined,
    env: io.env,
    signal: io.signal,
    devCert: values['dev-cert'] === true,
    probe: values['no-probe'] !== true,
    ...(json ? {} : { onFinding: (f: Finding) => io.stdout.write(line(f)) }),
  });
  if (json) {
    io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    const failed = report.findings.filter((f) => f.status === 'fail').length;
    const warned = report.findings.filter((f) => f.status === 'warn').length;
    io.stdout.write(failed ? `${failed} problem${failed > 1 ? 's' : ''} (FAIL above): install or fix what they name, then run release doctor again\n` : `ready${warned ? ` (${warned} warning${warned > 1 ? 's' : ''})` : ''}: release check, then release build\n`);
  }
  return report.ok ? 0 : 1;
}
