import { isAlias, isCollection, isMap, isPair, isScalar, LineCounter, parseDocument, type Document, type Node } from 'yaml';

// release.yaml as YAML, before it means anything: parsed, and refused where YAML itself lets a
// file do what no config should — an alias "bomb" that expands a few lines into millions of
// values ("billion laughs"), nesting deep enough to exhaust the stack, tags that make binary
// data, sets or dates (or that nothing resolves, and would silently become strings), keys that
// are lists. Every problem comes back with its line and column.

/** Values aliases may add to the document, all together; a real release.yaml adds a few dozen. */
export const MAX_ALIAS_EXPANSION = 10_000;
/** Nesting, in mappings and lists; the deepest key release.yaml has is 4 levels down. */
export const MAX_NESTING = 32;
/** C0 controls but tab and line breaks, and DEL: no setting holds them, and a NUL cuts a Windows string short. */
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
/** Tags that only say what plain YAML already means (`!!str 1.0` keeps "1.0" a string). */
const PLAIN_TAGS = new Set(['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((t) => `tag:yaml.org,2002:${t}`));

export interface YamlProblem {
  /** Offset into the text, for line:col. */
  offset: number;
  message: string;
}

export interface ParsedYaml {
  doc: Document;
  lineCounter: LineCounter;
  /** The document as plain data; undefined when there are problems. */
  data?: unknown;
  problems: YamlProblem[];
}

export function parseYaml(text: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const problems: YamlProblem[] = doc.errors.map((e) => ({ offset: e.pos[0], message: yamlMessage(e.message) }));
  // Warnings are refused too: an unresolved tag (!!js/function, !foo) would quietly become a string.
  problems.push(...doc.warnings.map((w) => ({ offset: w.pos[0], message: `${yamlMessage(w.message)}; release.yaml takes plain values (remove the tag)` })));
  if (problems.length === 0) problems.push(...shapeProblems(doc, text));
  if (problems.length > 0) return { doc, lineCounter, problems };
  try {
    // Our own bound above is the one that speaks; this is only a second line of defence.
    return { doc, lineCounter, data: doc.toJS({ maxAliasCount: MAX_ALIAS_EXPANSION }) ?? {}, problems };
  } catch (err) {
    const alias = firstAlias(doc);
    return { doc, lineCounter, problems: [{ offset: alias?.range?.[0] ?? 0, message: `the document cannot be read: ${(err as Error).message}` }] };
  }
}

/** The first line of a yaml library message (the rest repeats the source line). */
function yamlMessage(message: string): string {
  const first = message.split('\n')[0]!.replaceAll('tag:yaml.org,2002:', '!!');
  return first === 'Maximum call stack size exceeded' ? `nested too deeply (more than ${MAX_NESTING} levels are never needed)` : first;
}

/**
 * One walk over the nodes, without recursion (the nesting is what is being checked), in
 * document order: nesting, tags, keys, and how many values the aliases expand to.
 */
function shapeProblems(doc: Document, text: string): YamlProblem[] {
  const problems: YamlProblem[] = [];
  const at = (node: Node | null | undefined) => node?.range?.[0] ?? 0;
  /** Values in each node once aliases are expanded, capped just above the limit (it can grow exponentially). */
  const sizes = new Map<Node, number>();
  const cap = MAX_ALIAS_EXPANSION + 1;
  let expanded = 0;
  let bombReported = false;
  type Frame = { node: Node; depth: number; children?: Node[]; next: number; size: number };
  const root = doc.contents as Node | null;
  if (!root) return problems;
  const stack: Frame[] = [{ node: root, depth: 1, next: 0, size: 1 }];
  const open = new Set<Node>([root]);
  while (stack.length > 0) {
    const frame = stack.at(-1)!;
    const { node } = frame;
    if (frame.children === undefined) {
      if (isScalar(node) && typeof node.value === 'string' && CONTROL.test(node.value)) {
        const ch = node.value.match(CONTROL)![0].charCodeAt(0);
        problems.push({ offset: at(node), message: `holds the control character U+${ch.toString(16).toUpperCase().padStart(4, '0')}${ch === 0 ? ', where Windows would end the text' : ''}; remove it` });
      }
      if (node.tag !== undefined && !PLAIN_TAGS.has(node.tag)) {
        problems.push({ offset: tagOffset(text, at(node)), message: `the tag ${shortTag(node.tag)} is not allowed: release.yaml takes plain strings, numbers, booleans, lists and mappings` });
      }
      frame.children = [];
      if (isCollection(node)) {
        if (frame.depth > MAX_NESTING) {
          problems.push({ offset: at(node), message: `nested more than ${MAX_NESTING} levels deep; release.yaml never needs that many` });
        } else {
          for (const item of node.items) {
            if (isPair(item)) {
              const key = item.key as Node | null;
              if (isMap(node) && (key === null || !isScalar(key) || key.value === null)) {
                problems.push({ offset: key ? at(key) : at(item.value as Node | null), message: key && !isScalar(key) ? 'a key must be a name, not a list or a mapping' : 'a key is empty (null); write the name of the setting' });
              }
              if (key) frame.children.push(key);
              if (item.value) frame.children.push(item.value as Node);
            } else if (item) frame.children.push(item as Node);
          }
        }
      }
    }
    const child = frame.children[frame.next++];
    if (child !== undefined) {
      if (isAlias(child)) {
        const source = child.resolve(doc) as Node | undefined;
        if (source && open.has(source)) {
          problems.push({ offset: at(child), message: `the alias *${child.source} refers to a node that holds it (a loop)` });
          continue;
        }
        const size = source ? (sizes.get(source) ?? 1) : 1;
        frame.size = Math.min(cap, frame.size + size);
        expanded = Math.min(cap, expanded + size);
        if (expanded > MAX_ALIAS_EXPANSION && !bombReported) {
          bombReported = true;
          problems.push({
            offset: at(child),
            message: `alias *${child.source}: with it, aliases expand release.yaml by more than ${MAX_ALIAS_EXPANSION.toLocaleString('en-US')} values (an alias "bomb", a few lines that expand to millions?); use fewer aliases`,
          });
        }
        continue;
      }
      open.add(child);
      stack.push({ node: child, depth: isCollection(child) ? frame.depth + 1 : frame.depth, next: 0, size: 1 });
      continue;
    }
    stack.pop();
    open.delete(node);
    sizes.set(node, frame.size);
    const parent = stack.at(-1);
    if (parent) parent.size = Math.min(cap, parent.size + frame.size);
  }
  return problems;
}

/** Where the tag before the value at `offset` begins (the node's own range starts after it). */
function tagOffset(text: string, offset: number): number {
  let end = offset;
  while (end > 0 && /\s/.test(text[end - 1]!)) end--;
  let start = end;
  while (start > 0 && !/\s/.test(text[start - 1]!)) start--;
  return text[start] === '!' ? start : offset;
}

function shortTag(tag: string): string {
  return tag.startsWith('tag:yaml.org,2002:') ? `!!${tag.slice('tag:yaml.org,2002:'.length)}` : tag;
}

function firstAlias(doc: Document): Node | undefined {
  const stack: unknown[] = [doc.contents];
  while (stack.length) {
    const node = stack.pop();
    if (isAlias(node)) return node;
    if (isCollection(node)) stack.push(...[...node.items].reverse().flatMap((i) => (isPair(i) ? [i.value, i.key] : [i])));
  }
  return undefined;
}
