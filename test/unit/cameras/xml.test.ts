import { describe, expect, it } from 'vitest';
import { at, escapeXml, findFirst, parseXml, textAt, XmlError } from '../../../agent/cameras/onvif/xml.js';

describe('parseXml', () => {
  it('reads local names, attributes, text, entities and CDATA', () => {
    const root = parseXml(
      '<?xml version="1.0"?>\n<!-- camera --><s:Envelope xmlns:s="x"><s:Body><tt:Uri a:b=\'1&amp;2\'>rtsp://h/p?a=1&amp;b=2&#x41;&#66;</tt:Uri>' +
        '<Name><![CDATA[<raw & text>]]></Name><Empty/></s:Body></s:Envelope>',
    );
    expect(root.name).toBe('Envelope');
    expect(root.prefix).toBe('s');
    expect(textAt(root, 'Body', 'Uri')).toBe('rtsp://h/p?a=1&b=2AB');
    expect(at(root, 'Body', 'Uri')?.attrs.b).toBe('1&2');
    expect(textAt(root, 'Body', 'Name')).toBe('<raw & text>');
    expect(at(root, 'Body', 'Empty')?.children).toEqual([]);
    expect(findFirst(root, 'Name')?.name).toBe('Name');
  });

  it('keeps numeric-looking text as strings', () => {
    expect(textAt(parseXml('<a><v>2.40</v><t>0012</t></a>'), 't')).toBe('0012');
    expect(textAt(parseXml('<a><v>2.40</v></a>'), 'v')).toBe('2.40');
  });

  it.each([
    ['unclosed element', '<a><b></b>'],
    ['mismatched tag', '<a><b></a></b>'],
    ['text outside root', 'junk<a/>'],
    ['two roots', '<a/><b/>'],
    ['DOCTYPE (entity bomb)', '<!DOCTYPE x [<!ENTITY a "aaaa">]><a>&a;</a>'],
    ['unknown entity', '<a>&nope;</a>'],
    ['bare ampersand', '<a>fish & chips</a>'],
    ['unquoted attribute', '<a b=1/>'],
    ['empty input', ''],
    ['truncated', '<s:Envelope><s:Body><x>'],
  ])('throws XmlError on %s', (_label, input) => {
    expect(() => parseXml(input)).toThrow(XmlError);
  });

  it('refuses documents that are too large or too deep', () => {
    expect(() => parseXml(`<a>${'x'.repeat(200)}</a>`, { maxBytes: 100 })).toThrow(/larger than 100/);
    expect(() => parseXml(`${'<a>'.repeat(70)}${'</a>'.repeat(70)}`)).toThrow(/deeper than 64/);
    expect(parseXml(`${'<a>'.repeat(60)}${'</a>'.repeat(60)}`).name).toBe('a');
  });

  it('escapes what it reads back', () => {
    const tricky = `a<b>&"c'`;
    expect(textAt(parseXml(`<r><v>${escapeXml(tricky)}</v></r>`), 'v')).toBe(tricky);
  });
});
