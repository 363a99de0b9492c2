// What `release init` reads in a project's files besides Go: the licence (its SPDX identifier
// and copyright holder, from the LICENSE text), a one-line description (from the README), and
// where the project lives (the git remote). Pure text in, facts out.

export interface LicenseFacts {
  /** SPDX identifier, when the text is one of the common licences. */
  spdx?: string;
  /** Who holds the copyright, from the first "Copyright (c) <years> <holder>" line. */
  holder?: string;
}

/** Licences by what their text says, most specific first. */
const LICENSES: readonly (readonly [string, (t: string) => boolean])[] = [
  ['AGPL-3.0-only', (t) => t.includes('gnu affero general public license') && t.includes('version 3')],
  ['LGPL-3.0-only', (t) => t.includes('gnu lesser general public license') && t.includes('version 3')],
  ['LGPL-2.1-only', (t) => t.includes('gnu lesser general public license') && t.includes('version 2.1')],
  ['GPL-3.0-only', (t) => t.includes('gnu general public license') && t.includes('version 3')],
  ['GPL-2.0-only', (t) => t.includes('gnu general public license') && t.includes('version 2')],
  ['MPL-2.0', (t) => t.includes('mozilla public license') && t.includes('2.0')],
  ['Apache-2.0', (t) => t.includes('apache license') && t.includes('version 2.0')],
  ['Unlicense', (t) => t.includes('this is free and unencumbered software released into the public domain')],
  ['BSL-1.0', (t) => t.includes('boost software license')],
  ['0BSD', (t) => t.includes('permission to use, copy, modify, and/or distribute this software for any purpose with or without fee') && !t.includes('above copyright notice and this permission notice appear')],
  ['ISC', (t) => t.includes('permission to use, copy, modify, and/or distribute this software for any purpose')],
  ['MIT', (t) => t.includes('permission is hereby granted, free of charge, to any person obtaining a copy')],
  ['BSD-3-Clause', (t) => t.includes('redistribution and use in source and binary forms') && /neither the name|names of (its|the) contributors/.test(t)],
  ['BSD-2-Clause', (t) => t.includes('redistribution and use in source and binary forms')],
];

/** The licence and copyright holder a LICENSE (or COPYING) text states. */
export function licenseFacts(text: string): LicenseFacts {
  const flat = text.toLowerCase().replace(/\s+/g, ' ');
  const spdx = LICENSES.find(([, test]) => test(flat))?.[0];
  const holder = copyrightHolder(text);
  return { ...(spdx ? { spdx } : {}), ...(holder ? { holder } : {}) };
}

/**
 * "Copyright (c) 2013-2025 Junegunn Choi" → "Junegunn Choi". Template lines ("[yyyy] [name of
 * copyright owner]", "<year> <owner>") and the FSF's own line in the GPL are not holders.
 */
export function copyrightHolder(text: string): string | undefined {
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    const m = /^copyright\b\s*(?:\(c\)|©|\(C\))?\s*(.*)$/i.exec(line);
    if (!m) continue;
    let rest = m[1]!
      .replace(/^(?:\(c\)|©)\s*/i, '')
      .replace(/^(?:\d{4}(?:\s*[-–,]\s*(?:\d{4}|present))*\s*,?\s*)+/i, '')
      .replace(/\s*[.,;]?\s*all rights reserved\.?$/i, '')
      .replace(/\s*<[^>]*@[^>]*>\s*/g, ' ')
      .replace(/[,;]+$/, '')
      .trim();
    // A sentence's full stop goes; an abbreviation's (Inc., Ltd., Co.) stays.
    if (rest.endsWith('.') && !/\b(?:inc|ltd|co|corp|llc|l\.l\.c|gmbh|s\.a|b\.v|pty|plc|ag|srl|sas|oy|ab)\.$/i.test(rest)) rest = rest.slice(0, -1).trim();
    rest = rest.replace(/^by\s+/i, '').trim();
    if (!rest || /[[\]<>{}]/.test(rest) || /free software foundation/i.test(rest) || /^(holders?|owners?|notice)\b/i.test(rest) || /^\d/.test(rest)) continue;
    if (rest.length > 100) continue;
    return rest;
  }
  return undefined;
}

/**
 * The first sentence of a README's first paragraph of prose (headings, badges, images, HTML and
 * tables skipped), with Markdown links and emphasis reduced to their text; undefined when there
 * is none short enough to be a description (3 to 200 characters).
 */
export function readmeDescription(text: string, name: string): string | undefined {
  const paragraphs = text.replace(/\r\n/g, '\n').replace(/<!--[\s\S]*?-->/g, '').split(/\n\s*\n/);
  for (const p of paragraphs) {
    const lines = p.split('\n').map((l) => l.trim()).filter(Boolean);
    if (lines.length === 0) continue;
    const first = lines[0]!;
    if (/^(#|=+$|-+$|!\[|\[!\[|<|\||```|~~~|>|[-*+] |\d+\. |\[[^\]]*\]:)/.test(first)) continue;
    if (lines.length > 1 && /^(=+|-+)$/.test(lines[1]!)) continue; // a setext heading
    const prose = lines
      .join(' ')
      .replace(/!\[[^\]]*\]\([^)]*\)/g, '')
      .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
      .replace(/\[([^\]]+)\]\[[^\]]*\]/g, '$1')
      .replace(/[*_`]+/g, '')
      .replace(/\s+/g, ' ')
      .trim();
    if (!prose) continue;
    const sentence = (/^(.+?[.!?])(\s|$)/.exec(prose)?.[1] ?? prose).replace(/\.$/, '').trim();
    // "hello is a tool that…" reads as a description; keep it as written.
    if (sentence.length < 3 || sentence.length > 200 || sentence.toLowerCase() === name.toLowerCase()) return undefined;
    return sentence[0]!.toUpperCase() + sentence.slice(1);
  }
  return undefined;
}

export interface RemoteFacts {
  host: string;
  owner: string;
  repo: string;
  /** https://host/owner/repo */
  homepage: string;
}

/** A git remote URL (https, ssh, scp-like) on a forge, or undefined. */
export function remoteFacts(url: string | undefined): RemoteFacts | undefined {
  if (!url) return undefined;
  const m =
    /^(?:https?|ssh|git):\/\/(?:[^@/]+@)?([^/:]+)(?::\d+)?\/(.+?)(?:\.git)?\/?$/.exec(url.trim()) ??
    /^(?:[^@/]+@)?([^/:]+):(?!\/)(.+?)(?:\.git)?\/?$/.exec(url.trim());
  if (!m) return undefined;
  const host = m[1]!.toLowerCase();
  const parts = m[2]!.split('/').filter(Boolean);
  if (parts.length < 2 || host === 'localhost' || /^\d+\.\d+\.\d+\.\d+$/.test(host) || !host.includes('.')) return undefined;
  const repo = parts.at(-1)!;
  const owner = parts.slice(0, -1).join('/');
  return { host, owner, repo, homepage: `https://${host}/${owner}/${repo}` };
}

/**
 * Where a forge serves a tagged release's files under their own names, when it does so by
 * convention: GitHub releases (gh release upload, or any release action, keeps the names).
 */
export function releaseDownloadUrl(remote: RemoteFacts | undefined): string | undefined {
  return remote?.host === 'github.com' ? `${remote.homepage}/releases/download/{{.Tag}}/` : undefined;
}

/** The module path says where the code lives (github.com/acme/tool): as a remote, when there is no git remote. */
export function remoteOfModule(module: string | undefined): RemoteFacts | undefined {
  const m = module ? /^(github\.com|gitlab\.com|codeberg\.org|bitbucket\.org)\/([^/]+)\/([^/]+)/.exec(module) : null;
  return m ? { host: m[1]!, owner: m[2]!, repo: m[3]!, homepage: `https://${m[1]}/${m[2]}/${m[3]}` } : undefined;
}
