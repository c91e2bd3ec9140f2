import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfigText, resolveConfigPath } from '../../../agent/config/load.js';
import { validateConfigData } from '../../../agent/config/validate.js';
import { isCamwatchError } from '../../../agent/core/errors.js';
import { PROJECT_ROOT } from '../../helpers/data.js';
import { yaml } from './helpers.js';

const EXAMPLE = join(PROJECT_ROOT, 'config', 'camwatch.example.yaml');

describe('loadConfig', () => {
  it('the shipped example validates, with the values the demo relies on', async () => {
    const loaded = await loadConfig(EXAMPLE, { env: {} });
    const { config } = loaded;
    expect(config.agent.id).toBe('demo-edge-01');
    expect(config.mqtt.url).toBeUndefined();
    expect([config.mqtt.embeddedHost, config.mqtt.embeddedPort]).toEqual(['127.0.0.1', 1883]);
    expect(config.detection.model).toBe('yolox_nano_416');
    expect(config.cameras.map((c) => c.id)).toEqual(['saigon-01']);
    const camera = config.cameras[0]!;
    expect(camera.analysis).toMatchObject({ fps: 5, width: 640 });
    expect(camera.rules.map((r) => r.type).sort()).toEqual(['line_crossing', 'zone_intrusion']);
    expect(camera.location?.lat).toBeGreaterThan(8);
    expect(camera.location?.lat).toBeLessThan(24);
    // Paths in the example are relative to config/, so they land in the repository's folders.
    expect(loaded.baseDir).toBe(join(PROJECT_ROOT, 'config'));
    expect('file' in camera.source && resolveConfigPath(loaded, camera.source.file)).toBe(join(PROJECT_ROOT, 'data', 'video', 'vn_saigon_intersection.mp4'));
    expect(resolveConfigPath(loaded, config.models.manifest)).toBe(join(PROJECT_ROOT, 'models', 'manifest.json'));
    expect(resolveConfigPath(loaded, config.agent.dataDir)).toBe(join(PROJECT_ROOT, 'var'));
  });

  it('the commented-out examples in it (IOC broker, RTSP camera) are valid when uncommented', () => {
    const text = readFileSync(EXAMPLE, 'utf8');
    const uncommented = text
      .split('\n')
      .map((line) => {
        if (/^  # (url|username|passwordFile|clientId): /.test(line)) return line.replace('  # ', '  ');
        const camera = /^  # ( {2}|- )(.*)$/.exec(line);
        return camera ? `  ${camera[1]}${camera[2]}` : line;
      })
      .join('\n');
    expect(uncommented).not.toBe(text);
    const loaded = parseConfigText(uncommented, 'uncommented.yaml', { baseDir: join(PROJECT_ROOT, 'config'), resolveSecrets: false });
    expect(loaded.config.mqtt).toMatchObject({ url: 'mqtts://ioc-broker.example.vn:8883', passwordFile: '/etc/camwatch/mqtt.password' });
    expect(loaded.config.cameras.map((c) => c.id)).toEqual(['saigon-01', 'cam-le-loi-02']);
    expect(loaded.config.cameras[1]!.source).toMatchObject({ url: 'rtsp://192.168.1.64:554/Streaming/Channels/102', passwordFile: '/etc/camwatch/cam-le-loi-02.password' });
  });

  it('a relative config path is resolved against options.cwd', async () => {
    const loaded = await loadConfig('config/camwatch.example.yaml', { cwd: PROJECT_ROOT, env: {} });
    expect(loaded.path).toBe(EXAMPLE);
  });

  it('a missing file → CONFIG_NOT_FOUND naming the path', async () => {
    const err: unknown = await loadConfig('no/such/camwatch.yaml', { cwd: PROJECT_ROOT }).catch((e: unknown) => e);
    expect(isCamwatchError(err, 'CONFIG_NOT_FOUND')).toBe(true);
    expect((err as Error).message).toBe('cannot read config no/such/camwatch.yaml: no such file');
  });
});

describe('parseConfigText', () => {
  it('fills every default for a minimal file', () => {
    const loaded = parseConfigText(yaml('cameras:', '  - id: c1', '    source: { file: a.mp4 }'), 'mini.yaml', { baseDir: '/srv/camwatch', env: {} });
    expect(loaded.path).toBe('mini.yaml');
    expect(loaded.baseDir).toBe('/srv/camwatch');
    expect(loaded.config.tracking).toEqual({
      kind: 'bytetrack', iouThreshold: 0.3, maxLostSeconds: 1.5, minHits: 2, highScoreThreshold: 0.35, lowScoreThreshold: 0.1,
      riders: { enabled: true, minOverlap: 0.5, maxCentreOffset: 0.35, minSpeedHeightsPerS: 2, minSeconds: 1, minFusedFrames: 2 },
    });
    expect(loaded.config.cameras[0]).toMatchObject({ enabled: true, analysis: { fps: 5, width: 640, stallSeconds: 10 }, zones: [], rules: [] });
  });

  it('resolveConfigPath keeps absolute paths and resolves relative ones against baseDir', () => {
    expect(resolveConfigPath({ baseDir: '/etc/camwatch' }, '../var/lib')).toBe('/etc/var/lib');
    expect(resolveConfigPath({ baseDir: '/etc/camwatch' }, '/data/video.mp4')).toBe('/data/video.mp4');
  });

  it('pixel units allow coordinates above 1 but not negative ones', () => {
    const camera = (points: string) =>
      yaml('cameras:', '  - id: c1', '    source: { file: a.mp4 }', `    zones: [{ id: z, units: pixels, points: ${points} }]`);
    expect(() => parseConfigText(camera('[[10, 10], [600, 10], [300, 400]]'), 'c.yaml', { env: {} })).not.toThrow();
    expect(() => parseConfigText(camera('[[-10, 10], [600, 10], [300, 400]]'), 'c.yaml', { env: {} })).toThrow(
      'c.yaml:4:46 cameras[0].zones[0].points[0]: [-10, 10] is outside the frame: pixel coordinates cannot be negative',
    );
  });
});

describe('validateConfigData (no file: paths without positions)', () => {
  it('reports issues as paths for configs built in code', () => {
    const result = validateConfigData({ cameras: [{ id: 'c1', source: { file: 'a.mp4' }, lines: [{ id: 'l', from: [0, 0], to: [0, 0] }] }] });
    expect(result).toEqual({ ok: false, issues: [{ path: ['cameras', 0, 'lines', 0, 'to'], message: 'zero-length line: "to" is the same point as "from"; a line needs two different points' }] });
  });
});
