import { describe, expect, it } from 'vitest';
import { firstJsonErrorOffset, parseJsonText } from '../../../agent/core/json-text.js';

describe('parseJsonText', () => {
  it('parses valid JSON', () => {
    expect(parseJsonText('{"a": [1, "x\\u00e9", null]}')).toEqual({ ok: true, value: { a: [1, 'xé', null] } });
  });

  it('places a stray character (where V8 gives no position) without quoting the text', () => {
    const result = parseJsonText('{\n  "key": "hunter2",\n  "x": [1, hunter2]\n}');
    expect(result).toEqual({ ok: false, line: 3, col: 12, reason: 'unexpected character' });
    expect(JSON.stringify(result)).not.toContain('hunter2');
  });

  it('keeps V8 descriptions that only describe the grammar', () => {
    expect(parseJsonText('{"a" 1}')).toEqual({ ok: false, line: 1, col: 6, reason: "expected ':' after property name" });
  });

  it('the scanner survives nesting deeper than any recursive parser would', () => {
    expect(firstJsonErrorOffset('['.repeat(200_000))).toBe(200_000);
    expect(firstJsonErrorOffset(`${'['.repeat(100_000)}x`)).toBe(100_000);
  });

  it('finds the first error offset in strings, numbers and after the value', () => {
    expect(firstJsonErrorOffset('"abc')).toBe(4);
    expect(firstJsonErrorOffset('"a\\qb"')).toBe(2);
    expect(firstJsonErrorOffset('[01]')).toBe(2);
    expect(firstJsonErrorOffset('{"a":1} {}')).toBe(8);
    expect(firstJsonErrorOffset('{"a":1,}')).toBe(7);
  });
});
