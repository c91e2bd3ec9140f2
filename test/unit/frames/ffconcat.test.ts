import { describe, expect, it } from 'vitest';
import { buildFfconcat, quoteFfconcatToken } from '../../../agent/frames/ffconcat.js';

describe('ffconcat script', () => {
  it('quotes a token so that quotes and spaces stay literal', () => {
    expect(quoteFfconcatToken('plain')).toBe("'plain'");
    expect(quoteFfconcatToken("it's a b")).toBe("'it'\\''s a b'");
    expect(quoteFfconcatToken("''")).toBe("''\\'''\\'''");
  });

  it('names one file and gives its demuxer options after it', () => {
    expect(buildFfconcat('rtsp://u:p@h/x', [['rtsp_transport', 'udp'], ['rtsp_flags', 'filter_src']])).toBe(
      "ffconcat version 1.0\nfile 'rtsp://u:p@h/x'\noption rtsp_transport 'udp'\noption rtsp_flags 'filter_src'\n",
    );
  });

  it('cannot be made to carry a second directive through the URL (line breaks are percent-encoded)', () => {
    const script = buildFfconcat("rtsp://h/x'\nfile '/etc/shadow\r", []);
    expect(script.split('\n')).toEqual(['ffconcat version 1.0', "file 'rtsp://h/x'\\''%0Afile '\\''/etc/shadow%0D'", '']);
  });

  it('refuses an option name that is not one', () => {
    expect(() => buildFfconcat('rtsp://h/x', [['a b', 'c']])).toThrow(/not an ffmpeg option name/);
  });
});
