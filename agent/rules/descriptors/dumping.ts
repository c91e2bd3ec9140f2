import { defineRule } from '../descriptor.js';
import { DumpingRule } from '../dumping.js';
import { seconds, toMs } from '../options.js';
import { staticRuleOptions, staticRuleSchema } from '../static-options.js';

/**
 * COCO has no "trash bag": these are the classes that dumped things are most often detected as (bags,
 * furniture, appliances). Replace with the classes of a purpose-trained model when one is used.
 */
export const DEFAULT_DUMPING_CLASSES = [
  'backpack', 'handbag', 'suitcase', 'chair', 'couch', 'bed', 'tv', 'refrigerator', 'microwave', 'oven', 'toilet', 'sink',
] as const;

/** `dumping`: a new object appears in a zone and stays there. */
export const dumping = defineRule({
  type: 'dumping',
  catalogue: {
    category: 'sanitation',
    defaultSeverity: 'medium',
    title: { vi: 'Đổ rác trái phép', en: 'Illegal dumping' },
    onvifTopics: [],
  },
  options: staticRuleSchema({
    type: 'dumping',
    detects: 'A new object appears in a zone and stays there (illegal dumping); the person who left it is attached when seen',
    classes: { default: DEFAULT_DUMPING_CLASSES, what: 'bags, furniture and appliances' },
    minSeconds: { default: 30, what: 'How long the new object must stay' },
    personRadiusPx: {
      default: 80,
      what: 'A person within this distance (analysis-frame px, between box edges) when the object appears is attached as evidence',
    },
    extra: { warmupSeconds: seconds(10, 'Objects already there during this long after start-up are background, not dumping') },
    cooldownSeconds: 600,
    severity: 'medium',
  }),
  build(rule, context) {
    return new DumpingRule({ ...staticRuleOptions(rule, context), warmupMs: toMs(rule.warmupSeconds) });
  },
});
