import { describe, expect, it } from 'vitest';
import { parseMsiSummary, parseMsiTable } from '../../../src/tools/msitools.js';
import { parseWineVersion } from '../../../src/tools/wine.js';
import { judgeStart } from '../../../src/verify/install.js';

// What release verify reads from the programs it runs: recorded outputs (Go 1.26 exes under
// Debian's Wine 8.0, msiinfo 0.101).

const NO_PRNG = `fatal error: bcryptprimitives.dll not found
runtime: panic before malloc heap initialized

runtime stack:
runtime.throw({0x1400d172f?, 0x21fd58?})
	runtime/panic.go:1229 +0x4d fp=0x21fca8 sp=0x21fc78 pc=0x14007600d
`;

const MISSING_DLL = `panic: Failed to load winship-missing-dependency.dll: Module not found.

goroutine 1 [running]:
syscall.MustLoadDLL(...)
`;

describe('whether an installed exe started', () => {
  it('a Go runtime that cannot start, or a panic before main, did not', () => {
    expect(judgeStart({ exitCode: 2, stdout: '', stderr: NO_PRNG, timedOut: false }, 60_000)).toEqual({ started: false, detail: 'exit 2: fatal error: bcryptprimitives.dll not found' });
    expect(judgeStart({ exitCode: 2, stdout: '', stderr: MISSING_DLL, timedOut: false }, 60_000)).toEqual({ started: false, detail: 'exit 2: panic: Failed to load winship-missing-dependency.dll: Module not found.' });
    expect(judgeStart({ exitCode: 53, stdout: '', stderr: 'err:module:import_dll Library foo.dll (which is needed by L"C:\\\\x.exe") not found\n', timedOut: false }, 60_000).started).toBe(false);
  });

  it('an exit code of its own, a usage message or a program still running did', () => {
    expect(judgeStart({ exitCode: 0, stdout: 'hello 1.2.0\n', stderr: '', timedOut: false }, 60_000)).toEqual({ started: true, detail: 'exit 0, printed "hello 1.2.0"' });
    expect(judgeStart({ exitCode: 2, stdout: '', stderr: 'flag provided but not defined: -version\nUsage of hello:\n', timedOut: false }, 60_000)).toEqual({ started: true, detail: 'exit 2, printed "flag provided but not defined: -version"' });
    expect(judgeStart({ exitCode: -1, stdout: '', stderr: '', timedOut: true }, 60_000)).toEqual({ started: true, detail: 'still running after 60 s (a server or an interactive program?); stopped' });
  });
});

describe('msiinfo and wine output', () => {
  it('reads the summary and a table', () => {
    const summary = parseMsiSummary('Title: Installation Database\nSubject: widget\nAuthor: Acme Widgets, Inc.\nTemplate: x64;1033\nRevision number (UUID): {0686232E-39D9-5F53-AC01-82C4D03DE67A}\n');
    expect(summary).toEqual({ template: 'x64;1033', revision: '{0686232E-39D9-5F53-AC01-82C4D03DE67A}', subject: 'widget', author: 'Acme Widgets, Inc.' });
    const rows = parseMsiTable('Property\tValue\ns72\tl0\nProperty\tProperty\nALLUSERS\t1\nProductCode\t{1E4CB211-4153-5F63-8DD2-811E4CB90776}\n');
    expect(rows).toEqual([
      { Property: 'ALLUSERS', Value: '1' },
      { Property: 'ProductCode', Value: '{1E4CB211-4153-5F63-8DD2-811E4CB90776}' },
    ]);
    expect(parseWineVersion('wine-8.0 (Debian 8.0~repack-4)')).toEqual([8, 0]);
    expect(parseWineVersion('wine-9.0')).toEqual([9, 0]);
  });
});
