import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../agent/config/load.js';
import { PROJECT_ROOT } from '../../helpers/data.js';
import { CAMERA_HEADER, issueLines, yaml } from '../config/helpers.js';

describe('stills config', () => {
  it('defaults to analysis-size stills', () => {
    const cfg = parseConfigText(yaml(...CAMERA_HEADER), 'camwatch.yaml', { baseDir: PROJECT_ROOT, env: {} });
    expect(cfg.config.cameras[0]!.stills).toEqual({ fullResolution: false, timeoutSeconds: 5 });
  });

  it('refuses fullResolution without the main stream URL, saying where it comes from', () => {
    const { code, lines } = issueLines(yaml(...CAMERA_HEADER, '    stills: { fullResolution: true }'));
    expect(code).toBe('CONFIG_INVALID');
    expect(lines.join('\n')).toMatch(/cameras\[0\]\.stills\.fullResolution[^\n]*onvif\.mainStreamUri[^\n]*camera add/);
  });

  it('accepts it with an rtsp main stream', () => {
    const cfg = parseConfigText(
      yaml(...CAMERA_HEADER, '    onvif: { xaddr: "http://10.0.0.5/onvif/device_service", mainStreamUri: "rtsp://10.0.0.5:554/main" }', '    stills: { fullResolution: true, timeoutSeconds: 3 }'),
      'camwatch.yaml',
      { baseDir: PROJECT_ROOT, env: {} },
    );
    expect(cfg.config.cameras[0]!.stills).toEqual({ fullResolution: true, timeoutSeconds: 3 });
  });

  it('accepts it with the clips\' main stream instead, and still refuses clips.source while clips are off', () => {
    const clips = (enabled: boolean) => `    clips: { enabled: ${enabled}, source: { url: "rtsp://10.0.0.5:554/main" } }`;
    const cfg = parseConfigText(yaml(...CAMERA_HEADER, clips(true), '    stills: { fullResolution: true }'), 'camwatch.yaml', { baseDir: PROJECT_ROOT, env: {} });
    expect(cfg.config.cameras[0]!.stills.fullResolution).toBe(true);
    const { code, lines } = issueLines(yaml(...CAMERA_HEADER, clips(false), '    stills: { fullResolution: true }'));
    expect(code).toBe('CONFIG_INVALID');
    expect(lines.join('\n')).toMatch(/cameras\[0\]\.stills\.fullResolution[^\n]*clips\.source with clips enabled/);
  });
});
