import { errors } from './errors.js';

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

export const escapeXml = (s: string): string => s.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);

/** A child element; undefined values are left out, arrays repeat the element. */
export type XmlValue = string | number | boolean | undefined | XmlNode | XmlValue[];
export interface XmlNode {
  [name: string]: XmlValue;
}

function render(name: string, value: XmlValue): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return value.map((v) => render(name, v)).join('');
  if (typeof value === 'object') {
    let inner = '';
    for (const [k, v] of Object.entries(value)) inner += render(k, v);
    return `<${name}>${inner}</${name}>`;
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** `<?xml …?><Root xmlns="…">children</Root>` */
export function xmlDocument(root: string, children: XmlNode, xmlns?: string): string {
  let inner = '';
  for (const [k, v] of Object.entries(children)) inner += render(k, v);
  const ns = xmlns ? ` xmlns="${xmlns}"` : '';
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root}${ns}>${inner}</${root}>`;
}

/** A parsed element: local name (namespace prefix dropped), children and text. */
export interface XmlElement {
  name: string;
  children: XmlElement[];
  text: string;
}

const ENTITY = /&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g;

function decodeEntities(s: string): string {
  if (s.includes('&') && /&(?!(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);)/.test(s))
    throw errors.malformedXml();
  return s.replace(ENTITY, (_, e: string) => {
    if (e[0] === '#') {
      const cp = e[1] === 'x' ? Number.parseInt(e.slice(2), 16) : Number.parseInt(e.slice(1), 10);
      if (!(cp >= 0 && cp <= 0x10ffff)) throw errors.malformedXml();
      return String.fromCodePoint(cp);
    }
    return ESCAPES_REVERSE[e] ?? '';
  });
}
const ESCAPES_REVERSE: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

const localName = (qname: string): string => qname.slice(qname.indexOf(':') + 1);

/**
 * Parses the small documents S3 requests carry (Delete, CompleteMultipartUpload, Tagging,
 * CreateBucketConfiguration). Well-formedness is enforced; anything else is MalformedXML.
 */
export function parseXml(source: string): XmlElement {
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let i = 0;
  const n = source.length;
  while (i < n) {
    const lt = source.indexOf('<', i);
    const text = source.slice(i, lt === -1 ? n : lt);
    if (text.length > 0) {
      const top = stack[stack.length - 1];
      if (top) top.text += decodeEntities(text);
      else if (text.trim() !== '') throw errors.malformedXml();
    }
    if (lt === -1) break;
    if (source.startsWith('<?', lt)) {
      const end = source.indexOf('?>', lt);
      if (end === -1) throw errors.malformedXml();
      i = end + 2;
    } else if (source.startsWith('<!--', lt)) {
      const end = source.indexOf('-->', lt);
      if (end === -1) throw errors.malformedXml();
      i = end + 3;
    } else if (source.startsWith('<![CDATA[', lt)) {
      const end = source.indexOf(']]>', lt);
      const top = stack[stack.length - 1];
      if (end === -1 || !top) throw errors.malformedXml();
      top.text += source.slice(lt + 9, end);
      i = end + 3;
    } else if (source.startsWith('<!', lt)) {
      throw errors.malformedXml(); // DOCTYPE and entity declarations are not accepted
    } else {
      const gt = source.indexOf('>', lt);
      if (gt === -1) throw errors.malformedXml();
      const tag = source.slice(lt + 1, gt);
      if (tag.startsWith('/')) {
        const open = stack.pop();
        if (!open || open.name !== localName(tag.slice(1).trim())) throw errors.malformedXml();
      } else {
        const selfClosing = tag.endsWith('/');
        const m = /^([A-Za-z_][\w.:-]*)(\s+[\s\S]*)?$/.exec(selfClosing ? tag.slice(0, -1) : tag);
        if (!m?.[1]) throw errors.malformedXml();
        const attrs = (m[2] ?? '').trim();
        if (attrs !== '' && !/^([\w.:-]+\s*=\s*("[^"<]*"|'[^'<]*')\s*)*$/.test(attrs))
          throw errors.malformedXml();
        const el: XmlElement = { name: localName(m[1]), children: [], text: '' };
        const parent = stack[stack.length - 1];
        if (parent) parent.children.push(el);
        else if (root) throw errors.malformedXml();
        else root = el;
        if (!selfClosing) stack.push(el);
      }
      i = gt + 1;
    }
  }
  if (!root || stack.length > 0) throw errors.malformedXml();
  return root;
}

export const childrenNamed = (el: XmlElement, name: string): XmlElement[] =>
  el.children.filter((c) => c.name === name);

export const childText = (el: XmlElement, name: string): string | undefined =>
  el.children.find((c) => c.name === name)?.text;
