import type { Category, Severity } from './types.js';

/** Every rule type camwatch knows, implemented or planned; incidents carry one of these as `type`. */
export const RULE_TYPES = [
  'line_crossing',
  'wrong_way',
  'illegal_stop',
  'congestion',
  'dumping',
  'object_left',
  'zone_intrusion',
  'loitering',
  'crowd',
  'camera_down',
  'camera_tamper',
  'camera_blackout',
  'camera_defocus',
] as const;

export type RuleType = (typeof RULE_TYPES)[number];

/** What the IOC needs to know about a rule type: its bucket, its default urgency and how to title it. */
export interface RuleTypeInfo {
  type: RuleType;
  category: Category;
  defaultSeverity: Severity;
  title: { vi: string; en: string };
  /**
   * ONVIF event topics meaning the same thing, so events from cameras with on-board analytics can be
   * mapped onto camwatch types. Rule-engine topics are from the ONVIF Analytics Service / Profile M;
   * VideoSource topics are from the ONVIF Core spec (one per publishing service). Empty when none exists.
   */
  onvifTopics: readonly string[];
}

/** The catalogue: one entry per rule type. Titles are what operators read on the IOC wall. */
export const RULE_CATALOGUE: { readonly [T in RuleType]: RuleTypeInfo & { type: T } } = {
  line_crossing: {
    type: 'line_crossing',
    category: 'traffic',
    defaultSeverity: 'info',
    title: { vi: 'Phương tiện qua vạch', en: 'Vehicle crossed line' },
    onvifTopics: ['tns1:RuleEngine/LineDetector/Crossed'],
  },
  wrong_way: {
    type: 'wrong_way',
    category: 'traffic',
    defaultSeverity: 'high',
    title: { vi: 'Xe đi ngược chiều', en: 'Wrong-way vehicle' },
    onvifTopics: [],
  },
  illegal_stop: {
    type: 'illegal_stop',
    category: 'traffic',
    defaultSeverity: 'medium',
    title: { vi: 'Dừng đỗ sai quy định', en: 'Illegal stopping' },
    onvifTopics: [],
  },
  congestion: {
    type: 'congestion',
    category: 'traffic',
    defaultSeverity: 'medium',
    title: { vi: 'Ùn tắc giao thông', en: 'Traffic congestion' },
    onvifTopics: [],
  },
  dumping: {
    type: 'dumping',
    category: 'sanitation',
    defaultSeverity: 'medium',
    title: { vi: 'Đổ rác trái phép', en: 'Illegal dumping' },
    onvifTopics: [],
  },
  object_left: {
    type: 'object_left',
    category: 'security',
    defaultSeverity: 'high',
    title: { vi: 'Vật thể bị bỏ lại', en: 'Object left behind' },
    onvifTopics: [],
  },
  zone_intrusion: {
    type: 'zone_intrusion',
    category: 'security',
    defaultSeverity: 'medium',
    title: { vi: 'Xâm nhập khu vực cấm', en: 'Intrusion into restricted zone' },
    onvifTopics: ['tns1:RuleEngine/FieldDetector/ObjectsInside'],
  },
  loitering: {
    type: 'loitering',
    category: 'security',
    defaultSeverity: 'low',
    title: { vi: 'Lảng vảng', en: 'Loitering' },
    onvifTopics: ['tns1:RuleEngine/LoiteringDetector/ObjectIsLoitering'],
  },
  crowd: {
    type: 'crowd',
    category: 'security',
    defaultSeverity: 'medium',
    title: { vi: 'Tụ tập đông người', en: 'Crowd gathering' },
    onvifTopics: [],
  },
  camera_down: {
    type: 'camera_down',
    category: 'health',
    defaultSeverity: 'high',
    title: { vi: 'Mất tín hiệu camera', en: 'Camera offline' },
    onvifTopics: ['tns1:VideoSource/SignalLoss'],
  },
  camera_tamper: {
    type: 'camera_tamper',
    category: 'health',
    defaultSeverity: 'high',
    title: { vi: 'Camera bị can thiệp', en: 'Camera tampering' },
    onvifTopics: [
      'tns1:VideoSource/GlobalSceneChange/ImagingService',
      'tns1:VideoSource/GlobalSceneChange/AnalyticsService',
    ],
  },
  camera_blackout: {
    type: 'camera_blackout',
    category: 'health',
    defaultSeverity: 'high',
    title: { vi: 'Hình ảnh camera bị tối đen', en: 'Camera image blacked out' },
    onvifTopics: ['tns1:VideoSource/ImageTooDark/ImagingService', 'tns1:VideoSource/ImageTooDark/AnalyticsService'],
  },
  camera_defocus: {
    type: 'camera_defocus',
    category: 'health',
    defaultSeverity: 'medium',
    title: { vi: 'Camera bị mất nét', en: 'Camera out of focus' },
    onvifTopics: [
      'tns1:VideoSource/ImageTooBlurry/ImagingService',
      'tns1:VideoSource/ImageTooBlurry/AnalyticsService',
    ],
  },
};

/** Other names accepted for a rule type (IOC vocabularies use the shorter ones). */
export const RULE_TYPE_ALIASES: Readonly<Record<string, RuleType>> = {
  intrusion: 'zone_intrusion',
};

/** The catalogue entry of a type or alias; undefined for a name camwatch does not know. */
export function ruleTypeInfo(type: string): RuleTypeInfo | undefined {
  const canonical = (RULE_TYPES as readonly string[]).includes(type) ? (type as RuleType) : RULE_TYPE_ALIASES[type];
  return canonical === undefined ? undefined : RULE_CATALOGUE[canonical];
}

/** Vietnamese and English title of a rule type; an unknown type is titled with its own name. */
export function ruleTitle(type: string): { vi: string; en: string } {
  const info = ruleTypeInfo(type);
  return info ? { ...info.title } : { vi: type, en: type };
}

/** The camwatch type an ONVIF event topic maps to, if any (the `tns1:` prefix is optional). */
export function ruleTypeForOnvifTopic(topic: string): RuleType | undefined {
  const wanted = topic.startsWith('tns1:') ? topic : `tns1:${topic}`;
  for (const type of RULE_TYPES) {
    if (RULE_CATALOGUE[type].onvifTopics.includes(wanted)) return type;
  }
  return undefined;
}
