import { describe, expect, it } from 'vitest';
import { caseFoldKey, checkInstallPaths, MAX_PATH_LENGTH, MAX_SEGMENT_LENGTH, PATH_RULE_TITLES, pathShapeProblems, type PathRule } from '../../../src/payload/names.js';
import { formatPayloadProblems, payloadError } from '../../../src/payload/problems.js';
import { UsageError } from '../../../src/util/errors.js';

// The payload name rules every package format shares (src/payload/names.ts): names in,
// every problem out.

const files = (...paths: string[]) => paths.map((path) => ({ path, kind: 'file' as const }));
/** `rule path`, or for case twins `rule spellings`. */
const rulesOf = (...paths: string[]) => checkInstallPaths(files(...paths)).problems.map((p) => `${p.rule} ${p.rule === 'case-duplicate' ? p.detail : p.path}`);

describe('one name against every rule', () => {
  it.each<[string, PathRule[]]>([
    // Fine: ordinary names, and names that only look like a rule's target.
    ['hello.exe', []],
    ['docs/README.md', []],
    ['naïve café.txt', []],
    ['.config/x', []],
    ['console.txt', []],
    ['COM10', []],
    ['com0', []],
    ['lpt.txt', []],
    ['con-fig.txt', []],
    ['a$b!c.txt', []],
    ['del\u007f.txt', []], // Windows forbids U+0000-U+001F only
    ['...x', []],
    // Where the file would land.
    ['/etc/passwd', ['absolute']],
    ['C:/Windows/evil.dll', ['absolute']],
    ['c:evil.txt', ['absolute']],
    ['a:b', ['absolute']],
    ['../../evil.txt', ['dot-segment']],
    ['pay/../../evil.txt', ['dot-segment']],
    ['./a.txt', ['dot-segment']],
    ['a/./b.txt', ['dot-segment']],
    ['a/..', ['dot-segment']],
    ['/../x', ['absolute', 'dot-segment']],
    ['a//b.txt', ['empty-segment']],
    ['docs/', ['empty-segment']],
    ['', ['empty-segment']],
    ['..\\..\\evil.txt', ['backslash']],
    ['a\\b', ['backslash']],
    ['\\\\server\\share\\x', ['backslash']],
    ['../a\\b', ['dot-segment', 'backslash']],
    // What Windows cannot create.
    ['CON', ['reserved-name']],
    ['con.txt', ['reserved-name']],
    ['docs/Con.tar.gz', ['reserved-name']],
    ['nul .txt', ['reserved-name']],
    ['aux', ['reserved-name']],
    ['PRN.log', ['reserved-name']],
    ['com1', ['reserved-name']],
    ['COM9.txt', ['reserved-name']],
    ['lpt5', ['reserved-name']],
    ['COM¹', ['reserved-name']],
    ['CONIN$', ['reserved-name']],
    ['conout$.txt', ['reserved-name']],
    ['CON/x.txt', ['reserved-name']],
    ['dir/a:b', ['forbidden-character']],
    ['a<b', ['forbidden-character']],
    ['a>b', ['forbidden-character']],
    ['a"b', ['forbidden-character']],
    ['a|b', ['forbidden-character']],
    ['a?b', ['forbidden-character']],
    ['a*b', ['forbidden-character']],
    ['tab\there', ['forbidden-character']],
    ['nul\u0000byte', ['forbidden-character']],
    ['unit\u001fsep', ['forbidden-character']],
    ['trailing.', ['trailing-dot-or-space']],
    ['trailing./x.txt', ['trailing-dot-or-space']],
    ['space ', ['trailing-dot-or-space']],
    ['...', ['trailing-dot-or-space']],
    ['CON.', ['reserved-name', 'trailing-dot-or-space']],
    ['x'.repeat(MAX_SEGMENT_LENGTH + 1), ['too-long', 'path-too-long']],
    ['x'.repeat(MAX_PATH_LENGTH), []],
    ['x'.repeat(MAX_PATH_LENGTH + 1), ['path-too-long']],
    [`${'d'.repeat(100)}/${'f'.repeat(100)}`, ['path-too-long']],
  ])('%j → %j', (name, rules) => {
    expect(checkInstallPaths(files(name)).problems.map((p) => p.rule).sort()).toEqual([...rules].sort());
  });

  it('reports a bad folder once, at the folder, whatever is in it', () => {
    expect(rulesOf('CON/a.txt', 'CON/b.txt', 'trailing./x')).toEqual(['reserved-name CON', 'trailing-dot-or-space trailing.']);
  });

  it('names the characters it refuses and the lengths it counts', () => {
    const problems = checkInstallPaths(files('a<b|c<', 'x'.repeat(256))).problems;
    expect(problems.find((p) => p.rule === 'forbidden-character')).toEqual({ rule: 'forbidden-character', path: 'a<b|c<', detail: "'<' (U+003C), '|' (U+007C)" });
    expect(problems.find((p) => p.rule === 'too-long')?.detail).toBe('256 characters');
    expect(checkInstallPaths(files('tab\there')).problems[0]!.detail).toBe('U+0009');
  });
});

describe('names against each other', () => {
  it.each<[string[], string[]]>([
    [['README', 'readme'], ['case-duplicate README <-> readme']],
    [['README', 'README.md'], []],
    [['App.exe', 'app.EXE', 'APP.exe'], ['case-duplicate APP.exe <-> App.exe <-> app.EXE']],
    // Only the shallowest clash: the folders, not each file in them.
    [['Docs/a.txt', 'docs/b.txt', 'docs/A.TXT'], ['case-duplicate Docs <-> docs']],
    // A file and a folder: a twin when spelled differently, a clash when spelled alike.
    [['a', 'A/b'], ['case-duplicate A/ <-> a']],
    [['a', 'a/b'], ['file-and-folder a']],
    [['x.txt', 'x.txt'], ['duplicate x.txt']],
    // Windows case folding beyond ASCII: one upper case for σ and ς, the Kelvin sign, dotless ı,
    // and NFC (é) against NFD (e + U+0301).
    [['σ.txt', 'ς.txt'], ['case-duplicate ς.txt <-> σ.txt']],
    [['Σ.txt', 'σ.txt'], ['case-duplicate Σ.txt <-> σ.txt']],
    [['\u212a.txt', 'k.txt'], ['case-duplicate k.txt <-> \u212a.txt']],
    [['I.txt', '\u0131.txt'], ['case-duplicate I.txt <-> \u0131.txt']],
    [['caf\u00e9', 'cafe\u0301'], ['case-duplicate cafe\u0301 <-> caf\u00e9']],
    [['ÄRGER', 'ärger'], ['case-duplicate ÄRGER <-> ärger']],
    // NTFS does not fold ß to SS: two files.
    [['ß', 'SS'], []],
    // A misshapen path is placed nowhere, so it is no one's twin.
    [['a\\b', 'A\\B'], ['backslash A\\B', 'backslash a\\b']],
  ])('%j → %j', (paths, expected) => {
    expect(rulesOf(...paths)).toEqual(expected);
  });

  it('lists every problem of a hostile payload, sorted by rule then path', () => {
    expect(rulesOf('z.txt', '..\\..\\evil.txt', 'CON', 'con.txt', 'a:b', 'README', 'readme', 'trailing.', '/abs', '../up', 'ok/fine.txt')).toEqual([
      'absolute /abs',
      'absolute a:b',
      'dot-segment ../up',
      'backslash ..\\..\\evil.txt',
      'case-duplicate README <-> readme',
      'reserved-name CON',
      'reserved-name con.txt',
      'trailing-dot-or-space trailing.',
    ]);
  });

  it('gives the well-shaped paths and their folders, sorted, for a format\'s own rules', () => {
    const { placed } = checkInstallPaths([...files('b/c/d.txt', 'a.txt', '../x', 'b/e.txt'), { path: 'empty', kind: 'dir' }]);
    expect(placed).toEqual(['a.txt', 'b', 'b/c', 'b/c/d.txt', 'b/e.txt', 'empty']);
  });
});

describe('the parts', () => {
  it.each<[string, PathRule[]]>([
    ['a/b.txt', []],
    ['a:b', ['absolute']],
    ['/a/../b', ['absolute', 'dot-segment']],
    ['a/b/', ['empty-segment']],
    ['a\\..\\b', ['backslash']],
  ])('pathShapeProblems(%j) → %j (also the zip writer\'s last check)', (path, rules) => {
    expect(pathShapeProblems(path)).toEqual(rules);
  });

  it('folds case as a superset of the MSI Id key (NFC, lower case)', () => {
    expect(caseFoldKey('Docs/README.TXT')).toBe('docs/readme.txt');
    expect(caseFoldKey('CAF\u00c9')).toBe(caseFoldKey('cafe\u0301'));
    expect(caseFoldKey('ΣΊΣΥΦΟΣ')).toBe(caseFoldKey('σίσυφος'));
    expect(caseFoldKey('ß')).not.toBe(caseFoldKey('ss'));
    expect(caseFoldKey('İ')).not.toBe(caseFoldKey('i'));
  });

  it('formats one section per rule, in rule order, every path listed', () => {
    const { problems } = checkInstallPaths(files('CON', 'a:b', 'x|y', 'nul.txt', 'README', 'readme'));
    expect(formatPayloadProblems(problems, PATH_RULE_TITLES)).toBe(
      [
        '  absolute paths or paths with a drive (a leading "/" or "C:"): they would land outside the folder:',
        '    - a:b',
        '  paths that differ only in letter case (Windows treats them as one file):',
        '    - README <-> readme',
        '  reserved Windows device names (CON, PRN, AUX, NUL, CONIN$, CONOUT$, COM1-9, LPT1-9, with or without extension):',
        '    - CON',
        '    - nul.txt',
        '  names with characters Windows forbids (< > : " | ? * or control characters):',
        "    - x|y  ('|' (U+007C))",
      ].join('\n'),
    );
  });

  it('puts everything in one UsageError (exit 2) with its heading, count and advice', () => {
    const err = payloadError('archives.files', 'the files the zips would hold', [{ rule: 'special-file', path: 'pipe', detail: 'a FIFO' }], [['special-file', 'not regular files']], 'Remove them.');
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe('archives.files: 1 problem with the files the zips would hold:\n  not regular files:\n    - pipe  (a FIFO)\nRemove them.');
  });
});
