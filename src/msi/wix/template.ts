// The product template (wix-templates/product.wxs) and its renderer.
//
// Syntax — a strict subset of Mustache, documented in wix-templates/README.md:
//   {{name}}              a value: XML-escaped, `$` doubled for the WiX preprocessor
//   {{#name}}…{{/name}}   a block: kept once when `true`, once per item of a list, dropped when
//                         `false` or an empty list; inside a list item its fields are values
//   {{^name}}…{{/name}}   an inverted block: kept when `false` or an empty list
//   {{! comment }}        dropped
// A line holding only block tags and comments leaves no trace. Strict: an unknown name, a value
// that is undefined or empty, a value used as a block (or the reverse), an unclosed or
// mismatched block are all errors naming the template, the line and the name.

import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { XMLValidator } from './fxp.js';
import { StageError } from '../../util/errors.js';
import { escapePreprocessor, escapeXml } from './escape.js';

export type TemplateValue = string | number;
export type TemplateItem = Readonly<Record<string, TemplateValue | boolean>>;
export type TemplateBlock = boolean | readonly TemplateItem[];

export interface TemplateData {
  vars: Readonly<Record<string, TemplateValue | undefined>>;
  blocks: Readonly<Record<string, TemplateBlock | undefined>>;
}

/** Path of the built-in product template (works from src/ and from the built lib/). */
export const DEFAULT_PRODUCT_TEMPLATE = fileURLToPath(new URL('../../../wix-templates/product.wxs', import.meta.url));

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

type Tag = { kind: 'var' | 'open' | 'inverted' | 'close' | 'comment'; name: string; start: number; end: number; line: number };
type Node =
  | { kind: 'text'; text: string }
  | { kind: 'var'; name: string; line: number }
  | { kind: 'block'; name: string; inverted: boolean; line: number; children: Node[] };

function lineAt(source: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (source.charCodeAt(i) === 10) line++;
  return line;
}

function fail(template: string, line: number, message: string): never {
  throw new StageError(`${template}:${line}: ${message}`);
}

function scanTags(source: string, template: string): Tag[] {
  const tags: Tag[] = [];
  const re = /\{\{([\s\S]*?)\}\}/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(source)) !== null) {
    const body = m[1]!;
    const line = lineAt(source, m.index);
    const sigil = body.trimStart().charAt(0);
    if (sigil === '!') {
      tags.push({ kind: 'comment', name: '', start: m.index, end: re.lastIndex, line });
      continue;
    }
    const kind = sigil === '#' ? 'open' : sigil === '^' ? 'inverted' : sigil === '/' ? 'close' : 'var';
    const name = (kind === 'var' ? body : body.trimStart().slice(1)).trim();
    if (!NAME.test(name)) fail(template, line, `malformed tag "{{${body}}}"; expected {{name}}, {{#name}}, {{^name}}, {{/name}} or {{! comment }}`);
    tags.push({ kind, name, start: m.index, end: re.lastIndex, line });
  }
  return tags;
}

/**
 * Splits the source into text and tags, dropping the whitespace and line break of every line
 * (or run of lines, for a comment spanning several) that holds only block tags and comments.
 */
function tokenize(source: string, template: string): Array<{ text: string } | Tag> {
  const tags = scanTags(source, template);
  const tokens: Array<{ text: string } | Tag> = [];
  const pushText = (text: string, offset: number): void => {
    if (text.includes('{{') || text.includes('}}')) {
      const at = offset + Math.max(text.indexOf('{{'), text.indexOf('}}'));
      fail(template, lineAt(source, at), 'unbalanced "{{" or "}}"');
    }
    if (text !== '') tokens.push({ text });
  };
  let pos = 0;
  let t = 0;
  while (pos < source.length) {
    // One "line block": from pos to the end of the line, extended while a tag runs past it.
    let end = source.indexOf('\n', pos);
    end = end === -1 ? source.length : end;
    let last = t;
    while (last < tags.length && tags[last]!.start < end) {
      if (tags[last]!.end > end) {
        const next = source.indexOf('\n', tags[last]!.end);
        end = next === -1 ? source.length : next;
      }
      last++;
    }
    const inLine = tags.slice(t, last);
    const blockEnd = end < source.length ? end + 1 : end;
    let rest = source.slice(pos, blockEnd);
    for (const tag of [...inLine].reverse()) rest = rest.slice(0, tag.start - pos) + rest.slice(tag.end - pos);
    const standalone = inLine.length > 0 && inLine.every((tag) => tag.kind !== 'var') && rest.trim() === '';
    let cursor = pos;
    for (const tag of inLine) {
      if (!standalone) pushText(source.slice(cursor, tag.start), cursor);
      tokens.push(tag);
      cursor = tag.end;
    }
    if (!standalone) pushText(source.slice(cursor, blockEnd), cursor);
    pos = blockEnd;
    t = last;
  }
  return tokens;
}

function parse(source: string, template: string): Node[] {
  const root: Node[] = [];
  const stack: Array<{ node: Extract<Node, { kind: 'block' }>; into: Node[] }> = [];
  let into = root;
  for (const token of tokenize(source, template)) {
    if ('text' in token) {
      into.push({ kind: 'text', text: token.text });
    } else if (token.kind === 'var') {
      into.push({ kind: 'var', name: token.name, line: token.line });
    } else if (token.kind === 'open' || token.kind === 'inverted') {
      const node: Extract<Node, { kind: 'block' }> = {
        kind: 'block',
        name: token.name,
        inverted: token.kind === 'inverted',
        line: token.line,
        children: [],
      };
      into.push(node);
      stack.push({ node, into });
      into = node.children;
    } else if (token.kind === 'close') {
      const open = stack.pop();
      if (!open) fail(template, token.line, `{{/${token.name}}} closes a block that was never opened`);
      if (open.node.name !== token.name) {
        fail(template, token.line, `{{/${token.name}}} closes {{#${open.node.name}}} opened on line ${open.node.line}`);
      }
      into = open.into;
    }
  }
  const unclosed = stack.pop();
  if (unclosed) fail(template, unclosed.node.line, `block {{#${unclosed.node.name}}} is never closed`);
  return root;
}

// XML 1.0 cannot carry these control characters at all, not even as character references.
const XML_FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/u;


type Scope = Readonly<Record<string, TemplateValue | TemplateBlock | undefined>>;

function lookup(scopes: readonly Scope[], name: string): { found: boolean; value: unknown } {
  for (let i = scopes.length - 1; i >= 0; i--) {
    if (Object.hasOwn(scopes[i]!, name)) return { found: true, value: scopes[i]![name] };
  }
  return { found: false, value: undefined };
}

function renderNodes(nodes: readonly Node[], scopes: readonly Scope[], template: string): string {
  let out = '';
  for (const node of nodes) {
    if (node.kind === 'text') {
      out += node.text;
      continue;
    }
    const { found, value } = lookup(scopes, node.name);
    if (!found) fail(template, node.line, `unknown placeholder "${node.name}"`);
    if (node.kind === 'var') {
      if (value === undefined || value === null || value === '') {
        fail(template, node.line, `placeholder "${node.name}" has no value`);
      }
      if (typeof value !== 'string' && typeof value !== 'number') {
        fail(template, node.line, `"${node.name}" is a block, not a value: use {{#${node.name}}}…{{/${node.name}}}`);
      }
      const text = String(value);
      if (XML_FORBIDDEN.test(text)) fail(template, node.line, `value of "${node.name}" holds a control character XML cannot carry`);
      out += escapeXml(escapePreprocessor(text));
      continue;
    }
    if (value === undefined) fail(template, node.line, `block "${node.name}" has no value (expected true, false or a list)`);
    if (typeof value !== 'boolean' && !Array.isArray(value)) {
      fail(template, node.line, `"${node.name}" is a value, not a block: use {{${node.name}}}`);
    }
    const items: readonly TemplateItem[] = Array.isArray(value) ? (value as TemplateItem[]) : value ? [{}] : [];
    if (node.inverted) {
      if (items.length === 0) out += renderNodes(node.children, scopes, template);
    } else {
      for (const item of items) out += renderNodes(node.children, [...scopes, item], template);
    }
  }
  return out;
}

/**
 * Renders template `source` with `data`. `template` names it in errors (a path, or a label).
 * A name may be a value or a block, not both.
 */
export function renderTemplate(source: string, data: TemplateData, template = 'template'): string {
  const both = Object.keys(data.vars).filter((k) => Object.hasOwn(data.blocks, k));
  if (both.length > 0) throw new StageError(`${template}: ${both.join(', ')} given both as a value and as a block`);
  const nodes = parse(source.replaceAll('\r\n', '\n'), template);
  return renderNodes(nodes, [{ ...data.vars, ...data.blocks }], template);
}

/** Every name a template uses, split into values and blocks (for docs and tests). */
export function templateNames(source: string): { vars: string[]; blocks: string[] } {
  const vars = new Set<string>();
  const blocks = new Set<string>();
  for (const tag of scanTags(source, 'template')) {
    if (tag.kind === 'var') vars.add(tag.name);
    else if (tag.kind === 'open' || tag.kind === 'inverted') blocks.add(tag.name);
  }
  return { vars: [...vars].sort(), blocks: [...blocks].sort() };
}

export interface RenderProductOptions {
  /** Path of a product template; default wix-templates/product.wxs. */
  template?: string;
  vars: TemplateData['vars'];
  blocks: TemplateData['blocks'];
  /**
   * A payload fragment (renderFragment output) to put inside the product source, for a
   * backend that wants a single .wxs. Without it the fragment stays a separate source.
   */
  fragmentXml?: string;
}

/** Moves the `<Fragment>` elements of `fragmentXml` into the product source, before `</Wix>`. */
export function inlineFragment(productXml: string, fragmentXml: string): string {
  const open = /<Wix\b[^>]*>/.exec(fragmentXml);
  const close = fragmentXml.lastIndexOf('</Wix>');
  const at = productXml.lastIndexOf('</Wix>');
  if (!open || close < 0 || at < 0) throw new StageError('Cannot inline the payload fragment: no <Wix> root element.');
  const inner = fragmentXml.slice(open.index + open[0].length, close).replace(/^\n+/, '').replace(/\s+$/, '');
  return `${productXml.slice(0, at)}${inner}\n${productXml.slice(at)}`;
}

/** Renders the product template to a WiX source; checks the result is well-formed XML. */
export async function renderProductWxs(options: RenderProductOptions): Promise<string> {
  const templatePath = options.template ?? DEFAULT_PRODUCT_TEMPLATE;
  let source: string;
  try {
    source = await readFile(templatePath, 'utf8');
  } catch (err) {
    throw new StageError(`Cannot read the WiX product template ${templatePath}: ${(err as Error).message}`);
  }
  let xml = renderTemplate(source, { vars: options.vars, blocks: options.blocks }, templatePath);
  if (options.fragmentXml !== undefined) xml = inlineFragment(xml, options.fragmentXml);
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw new StageError(
      `The WiX product template ${templatePath} rendered to malformed XML (output line ${valid.err.line}): ${valid.err.msg}`,
    );
  }
  return xml;
}
