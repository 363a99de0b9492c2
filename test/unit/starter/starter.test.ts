import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { isPlaceholder, placeholderKeys, VENDOR_PLACEHOLDER } from '../../../src/config/placeholders.js';
import { descriptionFromDoc, isGuiProgram, ldflagsFor, modulePath, programName, roleOf, versionVariables } from '../../../src/starter/goSource.js';
import { copyrightHolder, licenseFacts, readmeDescription, releaseDownloadUrl, remoteFacts, remoteOfModule } from '../../../src/starter/projectFacts.js';
import { renderStarterConfig, type StarterModel } from '../../../src/starter/starterConfig.js';
import { closestName } from '../../../src/util/similar.js';

describe('version variables in Go sources', () => {
  it('finds the package-level string variables -X can set, by the role their name says', () => {
    const src = `// Package main.
package main

import "fmt"

// version is "dev" outside a release; var notThis = "x" in a comment is not one.
var version = "dev"

var (
	revision string
	BuildDate = "unknown" + ""
	builtBy, other = "me", "x"
	computed = fmt.Sprint("no")   // -X would leave it: not a candidate
	number = 3
	gitVersion string
)

var commitHash string = \`raw\`

func main() {
	var date = "local, not package level"
	fmt.Println(version, date)
}
`;
    expect(versionVariables(src)).toEqual([
      { name: 'version', role: 'version' },
      { name: 'revision', role: 'commit' },
      { name: 'BuildDate', role: 'date' },
      { name: 'builtBy', role: 'builtBy' },
      { name: 'gitVersion', role: 'version' },
      { name: 'commitHash', role: 'commit' },
    ]);
  });

  it('skips what only looks like one: constants, other types, strings holding "var"', () => {
    expect(versionVariables('package main\nconst version = "1"\nvar Version int\nvar s = "var version = \\"x\\""\n')).toEqual([]);
    expect(versionVariables('package version\nvar Version, GitCommit, BuildTime string\n').map((v) => v.role)).toEqual(['version', 'commit', 'date']);
  });

  it('names roles as release tools spell them', () => {
    expect(['version', 'Version', 'appVersion', 'gitCommit', 'GitSHA', 'revision', 'shortCommit', 'build_date', 'buildTime', 'builtBy', 'name'].map(roleOf)).toEqual([
      'version',
      'version',
      'version',
      'commit',
      'commit',
      'commit',
      'shortCommit',
      'date',
      'date',
      'builtBy',
      undefined,
    ]);
  });

  it('writes one -X per role, the first found, with the import path', () => {
    expect(
      ldflagsFor([
        { importPath: 'main', variable: { name: 'version', role: 'version' } },
        { importPath: 'main', variable: { name: 'revision', role: 'commit' } },
        { importPath: 'example.com/x/internal/version', variable: { name: 'Version', role: 'version' } },
        { importPath: 'main', variable: { name: 'builtBy', role: 'builtBy' } },
      ]),
    ).toBe('-s -w -X main.version={{.Version}} -X main.revision={{.Commit}} -X main.builtBy=winship');
    expect(ldflagsFor([])).toBe('-s -w');
  });

  it('reads the module path, names the program, spots GUI toolkits and package docs', () => {
    expect(modulePath('// x\nmodule "github.com/acme/tool/v3"\n\ngo 1.22\n')).toBe('github.com/acme/tool/v3');
    expect(programName('github.com/acme/tool/v3')).toBe('tool');
    expect(programName('cmd/tool-ctl')).toBe('tool-ctl');
    expect(isGuiProgram(['fmt', 'fyne.io/fyne/v2/app'])).toBe(true);
    expect(isGuiProgram(['fmt', 'github.com/spf13/cobra'])).toBe(false);
    expect(descriptionFromDoc('Command hello greets people. It is polite.', 'hello')).toBe('Greets people');
    expect(descriptionFromDoc('Hello is a friendly greeter.', 'hello')).toBe('Hello is a friendly greeter');
    expect(descriptionFromDoc('', 'hello')).toBeUndefined();
  });
});

describe('project facts', () => {
  it('tells common licences and their holders', () => {
    expect(licenseFacts('MIT License\n\nCopyright (c) 2013-2025 Junegunn Choi\n\nPermission is hereby granted, free of charge, to any person obtaining a copy\nof this software')).toEqual({ spdx: 'MIT', holder: 'Junegunn Choi' });
    expect(licenseFacts('                                 Apache License\n                           Version 2.0, January 2004\n...\n   Copyright [yyyy] [name of copyright owner]\n')).toEqual({ spdx: 'Apache-2.0' });
    expect(licenseFacts('Copyright 2019 The Go Authors. All rights reserved.\n\nRedistribution and use in source and binary forms, with or without\nmodification ... Neither the name of Google Inc. nor the names of its\ncontributors')).toEqual({ spdx: 'BSD-3-Clause', holder: 'The Go Authors' });
    expect(licenseFacts('GNU GENERAL PUBLIC LICENSE\nVersion 3, 29 June 2007\n\nCopyright (C) 2007 Free Software Foundation, Inc. <https://fsf.org/>').spdx).toBe('GPL-3.0-only');
    expect(licenseFacts('This is free and unencumbered software released into the public domain.').spdx).toBe('Unlicense');
    expect(licenseFacts('All yours.')).toEqual({});
    expect(copyrightHolder('Copyright © 2020, 2022 Acme Widgets, Inc.\n')).toBe('Acme Widgets, Inc.');
    expect(copyrightHolder('Copyright (c) 2021 Jane Doe <jane@example.com>.\n')).toBe('Jane Doe');
    expect(copyrightHolder('Copyright (c) <year> <owner>\n')).toBeUndefined();
  });

  it('takes a description from the first prose of a README', () => {
    const readme = '<p align="center"><img src="x.png"></p>\n\n# fzf\n\n[![ci](b.svg)](l)\n\nfzf is a general-purpose **command-line** [fuzzy finder](https://x). It is fast.\n';
    expect(readmeDescription(readme, 'fzf')).toBe('Fzf is a general-purpose command-line fuzzy finder');
    expect(readmeDescription('hello\n=====\n\n- a list\n', 'hello')).toBeUndefined();
  });

  it('reads forge remotes in every spelling', () => {
    for (const url of ['https://github.com/acme/tool.git', 'git@github.com:acme/tool.git', 'ssh://git@github.com/acme/tool', 'https://user@github.com/acme/tool/']) {
      expect(remoteFacts(url), url).toEqual({ host: 'github.com', owner: 'acme', repo: 'tool', homepage: 'https://github.com/acme/tool' });
    }
    expect(remoteFacts('https://gitlab.com/group/sub/tool.git')?.homepage).toBe('https://gitlab.com/group/sub/tool');
    expect(remoteFacts('/srv/git/tool.git')).toBeUndefined();
    expect(releaseDownloadUrl(remoteFacts('git@github.com:acme/tool.git'))).toBe('https://github.com/acme/tool/releases/download/{{.Tag}}/');
    expect(releaseDownloadUrl(remoteFacts('https://gitlab.com/acme/tool'))).toBeUndefined();
    expect(remoteOfModule('github.com/acme/tool/v2')?.homepage).toBe('https://github.com/acme/tool');
    expect(remoteOfModule('example.com/tool')).toBeUndefined();
  });
});

describe('the starter release.yaml', () => {
  const model: StarterModel = {
    name: 'widget',
    description: { value: 'Turns gadgets into widgets', from: 'from the package doc of ./cmd/widget' },
    vendor: { value: 'Acme "Widgets", Inc.', from: 'from LICENSE' },
    homepage: { value: 'https://github.com/acme/widget', from: 'from the git remote' },
    license: { value: 'MIT', from: 'from LICENSE' },
    builds: [
      { id: 'widget', main: './cmd/widget', binary: 'widget', gui: false, ldflags: '-s -w -X main.version={{.Version}}', sets: ['main.version'] },
      { id: 'widgetw', main: './cmd/widgetw', binary: 'widgetw', gui: true, ldflags: '-s -w', sets: [], icon: 'assets/app.ico' },
    ],
    files: ['README.md', 'LICENSE'],
    upgradeCode: '6E1F3C2A-9B7D-4E8F-A1B2-C3D4E5F60718',
    downloadUrl: 'https://github.com/acme/widget/releases/download/{{.Tag}}/',
    sources: ['go.mod', 'LICENSE'],
  };

  it('is a valid config holding every guess', () => {
    const cfg = parseConfig(renderStarterConfig(model));
    expect(cfg.project).toMatchObject({ name: 'widget', description: 'Turns gadgets into widgets', vendor: 'Acme "Widgets", Inc.', homepage: 'https://github.com/acme/widget', license: 'MIT' });
    expect(cfg.builds.map((b) => [b.id, b.main, b.gui, b.ldflags, b.resources.icon])).toEqual([
      ['widget', './cmd/widget', false, '-s -w -X main.version={{.Version}}', undefined],
      ['widgetw', './cmd/widgetw', true, '-s -w', 'assets/app.ico'],
    ]);
    expect(cfg.archives.files).toEqual(['README.md', 'LICENSE']);
    expect(cfg.msi).toMatchObject({ upgradeCode: model.upgradeCode, files: ['README.md', 'LICENSE'], shortcut: { target: 'widgetw.exe' } });
    expect(cfg.winget?.baseUrl).toBe(model.downloadUrl);
    expect(cfg.scoop?.baseUrl).toBe(model.downloadUrl);
    expect(placeholderKeys(cfg)).toEqual([]);
  });

  it('writes placeholders a release refuses where nothing was found, and no channels without a licence', () => {
    const { description: _d, vendor: _v, license: _l, ...bare } = model;
    const cfg = parseConfig(renderStarterConfig(bare));
    expect(cfg.project.vendor).toBe(VENDOR_PLACEHOLDER);
    expect(placeholderKeys(cfg).map((p) => p.key.join('.'))).toEqual(['project.description', 'project.vendor']);
    expect(cfg.winget).toBeUndefined();
    expect(cfg.scoop).toBeUndefined();
  });

  it('knows placeholders from real names', () => {
    expect(['TODO: your name or company', 'todo', 'Your Company', 'FIXME later', 'CHANGEME'].every(isPlaceholder)).toBe(true);
    expect(['Acme', 'Todoist Inc.', 'Your Company Name Ltd', 'Example Corp'].some(isPlaceholder)).toBe(false);
  });
});

describe('near names', () => {
  it('suggests the file a typo meant, and nothing far off', () => {
    expect(closestName('LICENCE', ['LICENSE', 'README.md', 'go.mod'])).toBe('LICENSE');
    expect(closestName('readme.md', ['README.md', 'readme.txt'])).toBe('README.md');
    expect(closestName('NOTES', ['LICENSE', 'README.md'])).toBeUndefined();
    expect(closestName('a.md', ['b.mx'])).toBeUndefined();
  });
});
