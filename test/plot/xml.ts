/** A tiny, strict XML parser for tests: enough to prove an SVG is well-formed and to count elements. */
export interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  text: string;
}

const NAME = /^[A-Za-z_:][-A-Za-z0-9_:.]*/;

function checkText(t: string, where: number): string {
  if (t.includes('<')) throw new Error(`raw '<' in text at ${where}`);
  const bad = t.match(/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/);
  if (bad) throw new Error(`bare '&' at ${where + (bad.index ?? 0)}`);
  return t.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

/** Parses `src` (one root element, optional XML declaration and comments); throws on any error. */
export function parseXml(src: string): XmlNode {
  let i = 0;
  const root: XmlNode = { name: '#document', attrs: {}, children: [], text: '' };
  const stack: XmlNode[] = [root];
  const skipWs = () => {
    while (i < src.length && /\s/.test(src[i]!)) i++;
  };
  while (i < src.length) {
    if (src.startsWith('<?', i)) {
      const e = src.indexOf('?>', i);
      if (e < 0) throw new Error('unterminated declaration');
      i = e + 2;
    } else if (src.startsWith('<!--', i)) {
      const e = src.indexOf('-->', i);
      if (e < 0) throw new Error('unterminated comment');
      i = e + 3;
    } else if (src.startsWith('</', i)) {
      i += 2;
      const m = src.slice(i).match(NAME);
      if (!m) throw new Error(`bad closing tag at ${i}`);
      i += m[0].length;
      skipWs();
      if (src[i] !== '>') throw new Error(`expected '>' at ${i}`);
      i++;
      const open = stack.pop()!;
      if (open.name !== m[0]) throw new Error(`</${m[0]}> closes <${open.name}> at ${i}`);
    } else if (src[i] === '<') {
      i++;
      const m = src.slice(i).match(NAME);
      if (!m) throw new Error(`bad tag name at ${i}`);
      i += m[0].length;
      const node: XmlNode = { name: m[0], attrs: {}, children: [], text: '' };
      for (;;) {
        const before = i;
        skipWs();
        if (src.startsWith('/>', i)) {
          i += 2;
          stack[stack.length - 1]!.children.push(node);
          break;
        }
        if (src[i] === '>') {
          i++;
          stack[stack.length - 1]!.children.push(node);
          stack.push(node);
          break;
        }
        if (i === before) throw new Error(`expected whitespace before attribute at ${i}`);
        const a = src.slice(i).match(NAME);
        if (!a) throw new Error(`bad attribute at ${i}: ${src.slice(i, i + 20)}`);
        i += a[0].length;
        if (src[i] !== '=') throw new Error(`expected '=' at ${i}`);
        i++;
        const q = src[i];
        if (q !== '"' && q !== "'") throw new Error(`unquoted attribute at ${i}`);
        const e = src.indexOf(q, i + 1);
        if (e < 0) throw new Error('unterminated attribute');
        if (a[0] in node.attrs) throw new Error(`duplicate attribute ${a[0]}`);
        node.attrs[a[0]] = checkText(src.slice(i + 1, e), i);
        i = e + 1;
      }
    } else {
      const e = src.indexOf('<', i);
      const t = src.slice(i, e < 0 ? src.length : e);
      const top = stack[stack.length - 1]!;
      if (top === root && t.trim()) throw new Error(`text outside the root at ${i}`);
      top.text += checkText(t, i);
      i = e < 0 ? src.length : e;
    }
  }
  if (stack.length !== 1) throw new Error(`unclosed <${stack[stack.length - 1]!.name}>`);
  const elems = root.children;
  if (elems.length !== 1) throw new Error(`expected one root element, got ${elems.length}`);
  return elems[0]!;
}

/** Every element below (and including) `n`, depth first. */
export function all(n: XmlNode): XmlNode[] {
  return [n, ...n.children.flatMap(all)];
}

/** Elements with this tag name and (optionally) this class. */
export function find(n: XmlNode, name: string, cls?: string): XmlNode[] {
  return all(n).filter((e) => e.name === name && (cls === undefined || (e.attrs.class ?? '').split(' ').includes(cls)));
}

/** All text content below `n`, in document order. */
export function texts(n: XmlNode): string[] {
  return all(n).filter((e) => e.name === 'text').map((e) => e.text);
}
