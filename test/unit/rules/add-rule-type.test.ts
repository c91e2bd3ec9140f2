/**
 * A rule type is one file: its descriptor (options schema, catalogue entry, builder) listed in
 * agent/rules/registry.ts. This test adds one here, through the same functions the config, the catalogue
 * and buildRules use, and checks that the registered ones reach all three with nothing else to edit.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ruleSchema, ruleSchemaOf } from '../../../agent/config/rule-schemas.js';
import { isCamwatchError } from '../../../agent/core/errors.js';
import { buildRules, pointInPolygon, bottomCentre, ruleTypeInfo, type Point, type Rule, type RuleHit, type RulesCamera, type Severity, type Category } from '../../../agent/rules/index.js';
import { RULE_CATALOGUE, RULE_TYPES, RULE_TYPE_ALIASES } from '../../../agent/rules/catalogue.js';
import { RULE_DESCRIPTORS, optionSchemas, ruleRegistry, type RuleConfig } from '../../../agent/rules/registry.js';
import { commonOptions, defineRule } from '../../../agent/rules/descriptor.js';
import { toMs } from '../../../agent/rules/options.js';
import { presentation, ruleId, schedule, seconds, severity, zoneRef } from '../../../agent/rules/options.js';
import type { Track } from '../../../agent/tracking/types.js';
import { PROJECT_ROOT } from '../../helpers/data.js';
import { TrackFeed } from './track-feed.js';

/** The newcomer's rule: a bicycle inside the zone for minMs raises a hit on every frame after. */
class BicycleOnPavementRule implements Rule {
  readonly type = 'bicycle_on_pavement';
  readonly id: string;
  private readonly since = new Map<number, number>();

  constructor(private readonly o: { id: string; severity: Severity; category: Category; polygon: Point[]; zoneId: string; minMs: number }) {
    this.id = o.id;
  }

  evaluate(tracks: readonly Track[], tMs: number): RuleHit[] {
    const inside = tracks.filter((t) => t.className === 'bicycle' && pointInPolygon(bottomCentre(t.box), this.o.polygon));
    return inside.flatMap((t) => {
      const since = this.since.get(t.id) ?? tMs;
      this.since.set(t.id, since);
      if (tMs - since < this.o.minMs) return [];
      const hit: RuleHit = { ruleId: this.id, ruleType: this.type, category: this.o.category, severity: this.o.severity, trackId: t.id, className: t.className, score: t.score, box: { ...t.box }, tMs, zoneId: this.o.zoneId };
      return [hit];
    });
  }
}

/** What a newcomer writes in agent/rules/descriptors/bicycle-on-pavement.ts. */
const bicycleOnPavement = defineRule({
  type: 'bicycle_on_pavement',
  aliases: ['pavement_cycling'],
  catalogue: { category: 'traffic', defaultSeverity: 'low', title: { vi: 'Xe đạp trên vỉa hè', en: 'Bicycle on the pavement' }, onvifTopics: [] },
  options: z.strictObject({
    id: ruleId,
    ...presentation,
    type: z.literal(['bicycle_on_pavement', 'pavement_cycling']).describe('A bicycle rides on the pavement'),
    zone: zoneRef.describe('Id of the pavement zone'),
    minSeconds: seconds(2, 'How long the bicycle must stay on the pavement'),
    severity: severity('low'),
    schedule,
  }),
  build(rule, context) {
    const zone = context.zone(rule.zone);
    return new BicycleOnPavementRule({ ...commonOptions(rule, context), polygon: zone.polygon, zoneId: zone.id, minMs: toMs(rule.minSeconds) });
  },
});

const WITH_NEWCOMER = [...RULE_DESCRIPTORS, bicycleOnPavement] as const;

describe('adding a rule type', () => {
  const registry = ruleRegistry(WITH_NEWCOMER);
  const schema = ruleSchemaOf(optionSchemas(WITH_NEWCOMER));

  it('the config accepts it, by its type and its alias, with its defaults, and rejects unknown keys as for any rule', () => {
    expect(schema.parse({ id: 'p1', type: 'bicycle_on_pavement', zone: 'pavement' })).toEqual({ id: 'p1', type: 'bicycle_on_pavement', zone: 'pavement', minSeconds: 2, severity: 'low' });
    expect(schema.parse({ id: 'p2', type: 'pavement_cycling', zone: 'pavement', minSeconds: 5 })).toMatchObject({ minSeconds: 5 });
    expect(schema.safeParse({ id: 'p3', type: 'bicycle_on_pavement', zone: 'pavement', minSecond: 5 }).success).toBe(false);
    // The registered types still parse as before.
    expect(schema.parse({ id: 'z', type: 'zone_intrusion', zone: 'yard' })).toEqual(ruleSchema.parse({ id: 'z', type: 'zone_intrusion', zone: 'yard' }));
    expect(ruleSchema.safeParse({ id: 'p1', type: 'bicycle_on_pavement', zone: 'pavement' }).success).toBe(false);
  });

  it('the registry knows its catalogue entry by type and alias', () => {
    expect(registry.find('pavement_cycling')?.catalogue.title.en).toBe('Bicycle on the pavement');
    expect(registry.find('bicycle_on_pavement')?.catalogue.category).toBe('traffic');
    expect(() => ruleRegistry([...RULE_DESCRIPTORS, bicycleOnPavement, bicycleOnPavement])).toThrow(/registered twice/);
  });

  it('buildRules makes the rule, with the zone in frame pixels, the catalogue category and the time in ms', () => {
    const camera: RulesCamera = {
      id: 'cam-1',
      timezone: 'Asia/Ho_Chi_Minh',
      zones: [{ id: 'pavement', units: 'normalized', points: [[0, 0.5], [1, 0.5], [1, 1], [0, 1]] }],
      lines: [],
      // The camera's rules are typed by the registered union; the newcomer's options parse the same way.
      rules: [schema.parse({ id: 'p1', type: 'pavement_cycling', zone: 'pavement', minSeconds: 1 }) as unknown as RuleConfig],
    };
    const [rule] = buildRules(camera, { width: 640, height: 360 }, { registry });
    expect(rule).toBeInstanceOf(BicycleOnPavementRule);
    const feed = new TrackFeed();
    const hits = [0, 500, 1000, 1500].flatMap((t) => rule!.evaluate([feed.at(7, 320, 300, t, 'bicycle'), feed.at(8, 320, 100, t, 'bicycle')], t));
    expect(hits.map((h) => [h.trackId, h.tMs, h.category, h.zoneId])).toEqual([[7, 1000, 'traffic', 'pavement'], [7, 1500, 'traffic', 'pavement']]);

    const lost = { ...camera, rules: [schema.parse({ id: 'p2', type: 'bicycle_on_pavement', zone: 'kerb' }) as unknown as RuleConfig] };
    const err = (() => { try { buildRules(lost, { width: 640, height: 360 }, { registry }); } catch (e) { return e; } return undefined; })();
    expect(isCamwatchError(err) && err.message).toBe('cameras.cam-1.rules[0].zone: rule "p2" refers to unknown zone "kerb"');
  });
});

describe('the registered rule types', () => {
  const dir = join(PROJECT_ROOT, 'agent/rules/descriptors');

  it('are the descriptor files, one descriptor each, all listed in the registry', async () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.ts')).sort();
    const exported = [];
    for (const file of files) {
      const mod = (await import(join(dir, file))) as Record<string, unknown>;
      const descriptors = Object.values(mod).filter((v) => typeof v === 'object' && v !== null && 'build' in v && 'catalogue' in v);
      expect(descriptors, file).toHaveLength(1);
      exported.push(descriptors[0]);
    }
    expect(new Set(exported)).toEqual(new Set(RULE_DESCRIPTORS));
    expect(files).toHaveLength(RULE_DESCRIPTORS.length);
  });

  it('reach the catalogue and the config union, in registry order; each schema\'s type literal is its type and aliases', () => {
    expect(RULE_TYPES).toEqual(RULE_DESCRIPTORS.map((d) => d.type));
    expect(ruleSchema.options).toEqual(RULE_DESCRIPTORS.map((d) => d.options));
    for (const d of RULE_DESCRIPTORS) {
      expect(RULE_CATALOGUE[d.type]).toEqual({ type: d.type, ...d.catalogue });
      expect([...d.options.shape.type.values]).toEqual([d.type, ...(d.aliases ?? [])]);
      for (const alias of d.aliases ?? []) expect([RULE_TYPE_ALIASES[alias], ruleTypeInfo(alias)?.type]).toEqual([d.type, d.type]);
    }
  });

  it('are named nowhere else: the catalogue, the config and the frame check derive from the registry', () => {
    const derived = ['agent/rules/catalogue.ts', 'agent/rules/counts.ts', 'agent/rules/registry.ts', 'agent/config/rule-schemas.ts', 'agent/config/schema.ts'];
    for (const file of derived) {
      const text = readFileSync(join(PROJECT_ROOT, file), 'utf8');
      expect(RULE_TYPES.filter((t) => text.includes(`'${t}'`)), file).toEqual([]);
    }
    // buildRules names one: camera_down rules are built when the camera starts, before any frame.
    const build = readFileSync(join(PROJECT_ROOT, 'agent/rules/build.ts'), 'utf8');
    expect(RULE_TYPES.filter((t) => build.includes(`'${t}'`))).toEqual(['camera_down']);
  });
});
