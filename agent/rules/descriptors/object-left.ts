import { defineRule } from '../descriptor.js';
import { ObjectLeftRule } from '../object-left.js';
import { staticRuleOptions, staticRuleSchema } from '../static-options.js';

/** COCO classes that look like things carried and set down: object_left watches these by default. */
export const DEFAULT_LEFT_OBJECT_CLASSES = ['backpack', 'handbag', 'suitcase'] as const;

/** `object_left`: a bag-like object stays with no person near it. */
export const objectLeft = defineRule({
  type: 'object_left',
  catalogue: {
    category: 'security',
    defaultSeverity: 'high',
    title: { vi: 'Vật thể bị bỏ lại', en: 'Object left behind' },
    onvifTopics: [],
  },
  options: staticRuleSchema({
    type: 'object_left',
    detects: 'A bag-like object stays with no person near it',
    classes: { default: DEFAULT_LEFT_OBJECT_CLASSES, what: 'bags' },
    minSeconds: { default: 60, what: 'How long the object must stay unattended' },
    personRadiusPx: { default: 100, what: 'A person within this distance (analysis-frame px, between box edges) attends the object' },
    extra: {},
    cooldownSeconds: 600,
    severity: 'high',
  }),
  build(rule, context) {
    return new ObjectLeftRule(staticRuleOptions(rule, context));
  },
});
