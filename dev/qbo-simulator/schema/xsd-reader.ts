/**
 * Just enough XML to read Intuit's XSDs: elements, attributes, nesting. Text, comments, processing instructions and
 * the byte-order mark are skipped, because the schema's structure lives in tags and attributes only (the
 * documentation text is prose, and it quotes markup-like `[a href="…"]` in brackets, never in angle brackets).
 */
export interface XmlNode {
  tag: string;
  attrs: Record<string, string>;
  children: XmlNode[];
}

const ATTRIBUTE = /([\w:.-]+)\s*=\s*"([^"]*)"/g;

export function parseXml(text: string): XmlNode {
  const root: XmlNode = { tag: '#document', attrs: {}, children: [] };
  const stack: XmlNode[] = [root];
  let at = 0;
  while (at < text.length) {
    const open = text.indexOf('<', at);
    if (open < 0) break;
    if (text.startsWith('<!--', open)) {
      at = text.indexOf('-->', open) + 3;
      continue;
    }
    if (text.startsWith('<?', open) || text.startsWith('<!', open)) {
      at = text.indexOf('>', open) + 1;
      continue;
    }
    const close = text.indexOf('>', open);
    if (close < 0) throw new Error(`unterminated tag at ${open}`);
    const inner = text.slice(open + 1, close);
    at = close + 1;
    if (inner.startsWith('/')) {
      const tag = inner.slice(1).trim();
      const top = stack.pop();
      if (!top || top.tag !== tag) throw new Error(`</${tag}> closes <${top?.tag ?? 'nothing'}>`);
      continue;
    }
    const selfClosing = inner.endsWith('/');
    const body = selfClosing ? inner.slice(0, -1) : inner;
    const tag = /^[\w:.-]+/.exec(body)?.[0];
    if (!tag) throw new Error(`bad tag <${inner}>`);
    const attrs: Record<string, string> = {};
    for (const match of body.slice(tag.length).matchAll(ATTRIBUTE)) attrs[match[1] as string] = match[2] as string;
    const node: XmlNode = { tag, attrs, children: [] };
    (stack[stack.length - 1] as XmlNode).children.push(node);
    if (!selfClosing) stack.push(node);
  }
  if (stack.length !== 1) throw new Error(`unclosed <${stack[stack.length - 1]?.tag ?? ''}>`);
  return root;
}
