/**
 * A small, strict XML reader for the SOAP we receive from cameras (WS-Discovery ProbeMatches, ONVIF
 * responses). Why our own: the `onvif` package's parser turns "2.40" into 2.4 and "0012" into 12 (firmware
 * and tokens must stay strings), and a discovery listener must survive anything a network sends it.
 *
 * Hostile input is refused, never expanded: no DOCTYPE (so no entity bombs), a size and depth cap,
 * and any syntax error throws `XmlError`. Element and attribute names keep only their local part
 * (`tds:Manufacturer` → `Manufacturer`), which is how every ONVIF client matches them in practice.
 */

/** One element: local name, attributes by local name, child elements, and its own text content. */
export interface XmlElement {
  name: string;
  /** The prefix as written (`tt` in `tt:Width`), for diagnostics only. */
  prefix: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Concatenated text directly inside this element (not inside children), entities decoded. */
  text: string;
}

export class XmlError extends Error {
  constructor(message: string, readonly offset: number) {
    super(`${message} at offset ${offset}`);
    this.name = 'XmlError';
  }
}

/** Cameras answer in kilobytes; a megabyte is already far beyond a real GetProfiles. */
export const DEFAULT_MAX_XML_BYTES = 1_048_576;
/** SOAP responses nest about 10 deep; 64 leaves room without allowing stack abuse. */
export const DEFAULT_MAX_XML_DEPTH = 64;

export interface ParseXmlOptions {
  maxBytes?: number;
  maxDepth?: number;
}

const NAME = /[A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?/y;
const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Parses a whole document and returns its root element; throws XmlError on anything malformed. */
export function parseXml(input: string, options: ParseXmlOptions = {}): XmlElement {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_XML_BYTES;
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_XML_DEPTH;
  if (input.length > maxBytes) throw new XmlError(`document larger than ${maxBytes} bytes`, maxBytes);

  let pos = input.charCodeAt(0) === 0xfeff ? 1 : 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;

  const fail = (message: string): never => {
    throw new XmlError(message, pos);
  };

  const readName = (): string => {
    NAME.lastIndex = pos;
    const m = NAME.exec(input);
    if (!m) return fail('expected a name');
    pos += m[0].length;
    return m[0];
  };

  const skipSpace = (): void => {
    while (pos < input.length && /\s/.test(input[pos] as string)) pos++;
  };

  while (pos < input.length) {
    const lt = input.indexOf('<', pos);
    const textEnd = lt === -1 ? input.length : lt;
    if (textEnd > pos) {
      const raw = input.slice(pos, textEnd);
      const top = stack[stack.length - 1];
      if (top) top.text += decodeEntities(raw, pos);
      else if (raw.trim() !== '') fail('text outside the root element');
      pos = textEnd;
      continue;
    }
    // pos is at '<'
    if (input.startsWith('<?', pos)) {
      const end = input.indexOf('?>', pos + 2);
      if (end === -1) fail('unterminated processing instruction');
      pos = end + 2;
    } else if (input.startsWith('<!--', pos)) {
      const end = input.indexOf('-->', pos + 4);
      if (end === -1) fail('unterminated comment');
      pos = end + 3;
    } else if (input.startsWith('<![CDATA[', pos)) {
      const end = input.indexOf(']]>', pos + 9);
      if (end === -1) fail('unterminated CDATA');
      const top = stack[stack.length - 1];
      if (!top) fail('CDATA outside the root element');
      (top as XmlElement).text += input.slice(pos + 9, end);
      pos = end + 3;
    } else if (input.startsWith('<!', pos)) {
      // DOCTYPE and ENTITY declarations are how XML bombs and external entity reads start; SOAP forbids them.
      fail('DOCTYPE and declarations are not allowed');
    } else if (input.startsWith('</', pos)) {
      pos += 2;
      const qname = readName();
      skipSpace();
      if (input[pos] !== '>') fail('expected ">"');
      pos++;
      const open = stack.pop();
      if (!open) return fail(`unexpected closing tag </${qname}>`);
      const openQname = open.prefix ? `${open.prefix}:${open.name}` : open.name;
      if (openQname !== qname) fail(`closing tag </${qname}> does not match <${openQname}>`);
    } else {
      pos++;
      const qname = readName();
      const element = makeElement(qname);
      for (;;) {
        const before = pos;
        skipSpace();
        const c = input[pos];
        if (c === '>' || c === '/') break;
        if (c === undefined) fail('unterminated start tag');
        if (pos === before) fail('expected whitespace between attributes');
        const attrName = readName();
        skipSpace();
        if (input[pos] !== '=') fail('expected "=" after attribute name');
        pos++;
        skipSpace();
        const quote = input[pos];
        if (quote !== '"' && quote !== "'") return fail('expected a quoted attribute value');
        const end = input.indexOf(quote, pos + 1);
        if (end === -1) fail('unterminated attribute value');
        const value = input.slice(pos + 1, end);
        if (value.includes('<')) fail('"<" in attribute value');
        element.attrs[localName(attrName)] = decodeEntities(value, pos + 1);
        pos = end + 1;
      }
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(element);
      else if (root) fail('more than one root element');
      else root = element;
      if (input[pos] === '/') {
        pos++;
        if (input[pos] !== '>') fail('expected ">" after "/"');
        pos++;
      } else {
        pos++; // '>'
        stack.push(element);
        if (stack.length > maxDepth) fail(`nesting deeper than ${maxDepth}`);
      }
    }
  }
  if (stack.length > 0) fail(`unclosed element <${(stack[stack.length - 1] as XmlElement).name}>`);
  if (!root) fail('no root element');
  return root as XmlElement;
}

function makeElement(qname: string): XmlElement {
  const colon = qname.indexOf(':');
  return {
    name: colon === -1 ? qname : qname.slice(colon + 1),
    prefix: colon === -1 ? '' : qname.slice(0, colon),
    attrs: {},
    children: [],
    text: '',
  };
}

function localName(qname: string): string {
  const colon = qname.indexOf(':');
  return colon === -1 ? qname : qname.slice(colon + 1);
}

function decodeEntities(raw: string, offset: number): string {
  if (!raw.includes('&')) return raw;
  return raw.replace(/&([^;&\s]{0,10});?/g, (match, body: string) => {
    if (!match.endsWith(';')) throw new XmlError('bare "&"', offset);
    // Own keys only: `in` would also take Object.prototype's (`&toString;` decoded to a function's source).
    if (Object.hasOwn(PREDEFINED, body)) return PREDEFINED[body] as string;
    const code = body.startsWith('#x') ? parseInt(body.slice(2), 16) : body.startsWith('#') ? parseInt(body.slice(1), 10) : NaN;
    if (!Number.isInteger(code) || code < 1 || code > 0x10ffff) throw new XmlError(`unknown entity &${body};`, offset);
    return String.fromCodePoint(code);
  });
}

/** Escapes text for element content or a double-quoted attribute. */
export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ESCAPES[c] ?? c);
}

const ESCAPES: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' };

/** First direct child with this local name. */
export function child(el: XmlElement | undefined, name: string): XmlElement | undefined {
  return el?.children.find((c) => c.name === name);
}

/** All direct children with this local name. */
export function childrenNamed(el: XmlElement | undefined, name: string): XmlElement[] {
  return el ? el.children.filter((c) => c.name === name) : [];
}

/** Follows a path of local names through first matches: `at(env, 'Body', 'GetProfilesResponse')`. */
export function at(el: XmlElement | undefined, ...path: string[]): XmlElement | undefined {
  let cur = el;
  for (const name of path) cur = child(cur, name);
  return cur;
}

/** Trimmed text at a path, or undefined when the element is missing or empty. */
export function textAt(el: XmlElement | undefined, ...path: string[]): string | undefined {
  const t = at(el, ...path)?.text.trim();
  return t === undefined || t === '' ? undefined : t;
}

/** Depth-first search for the first descendant (or self) with this local name. */
export function findFirst(el: XmlElement | undefined, name: string): XmlElement | undefined {
  if (!el) return undefined;
  if (el.name === name) return el;
  for (const c of el.children) {
    const hit = findFirst(c, name);
    if (hit) return hit;
  }
  return undefined;
}
