import { describe, expect, it } from 'vitest';
import { lineCrossing } from '../../../agent/rules/descriptors/line-crossing.js';
import { zoneIntrusion } from '../../../agent/rules/descriptors/zone-intrusion.js';
import {
  RULE_CATALOGUE,
  RULE_TYPES,
  ruleTitle,
  ruleTypeForOnvifTopic,
  ruleTypeInfo,
} from '../../../agent/rules/catalogue.js';

describe('rule catalogue', () => {
  it('has an entry for every rule type, keyed by its own type', () => {
    expect(Object.keys(RULE_CATALOGUE).sort()).toEqual([...RULE_TYPES].sort());
    for (const type of RULE_TYPES) {
      const info = RULE_CATALOGUE[type];
      expect(info.type).toBe(type);
      expect(['traffic', 'sanitation', 'security', 'health']).toContain(info.category);
      expect(['info', 'low', 'medium', 'high', 'critical']).toContain(info.defaultSeverity);
      expect(info.title.vi.trim()).not.toBe('');
      expect(info.title.en.trim()).not.toBe('');
      for (const topic of info.onvifTopics) expect(topic).toMatch(/^tns1:[A-Za-z]+(\/[A-Za-z]+)+$/);
    }
  });

  it('files each type under the right category', () => {
    const byCategory = (c: string) => RULE_TYPES.filter((t) => RULE_CATALOGUE[t].category === c).sort();
    expect(byCategory('traffic')).toEqual(['congestion', 'illegal_stop', 'line_crossing', 'wrong_way']);
    expect(byCategory('sanitation')).toEqual(['dumping']);
    expect(byCategory('security')).toEqual(['crowd', 'loitering', 'object_left', 'zone_intrusion']);
    expect(byCategory('health')).toEqual(['camera_blackout', 'camera_defocus', 'camera_down', 'camera_tamper']);
  });

  it('titles in Vietnamese (with diacritics, NFC) and English', () => {
    expect(ruleTitle('line_crossing')).toEqual({ vi: 'Phương tiện qua vạch', en: 'Vehicle crossed line' });
    expect(ruleTitle('wrong_way')).toEqual({ vi: 'Xe đi ngược chiều', en: 'Wrong-way vehicle' });
    expect(ruleTitle('illegal_stop').vi).toBe('Dừng đỗ sai quy định');
    expect(ruleTitle('congestion').vi).toBe('Ùn tắc giao thông');
    expect(ruleTitle('dumping').vi).toBe('Đổ rác trái phép');
    expect(ruleTitle('object_left').vi).toBe('Vật thể bị bỏ lại');
    expect(ruleTitle('zone_intrusion')).toEqual({ vi: 'Xâm nhập khu vực cấm', en: 'Intrusion into restricted zone' });
    expect(ruleTitle('loitering').vi).toBe('Lảng vảng');
    expect(ruleTitle('crowd').vi).toBe('Tụ tập đông người');
    expect(ruleTitle('camera_down')).toEqual({ vi: 'Mất tín hiệu camera', en: 'Camera offline' });
    // Precomposed (NFC) text: what IOC dashboards and search indexes expect.
    for (const type of RULE_TYPES) expect(RULE_CATALOGUE[type].title.vi).toBe(RULE_CATALOGUE[type].title.vi.normalize('NFC'));
  });

  it('resolves the intrusion alias and unknown types', () => {
    expect(ruleTypeInfo('intrusion')?.type).toBe('zone_intrusion');
    expect(ruleTypeInfo('teleport')).toBeUndefined();
    expect(ruleTitle('teleport')).toEqual({ vi: 'teleport', en: 'teleport' });
  });

  it('maps ONVIF rule-engine topics to camwatch types', () => {
    expect(ruleTypeForOnvifTopic('tns1:RuleEngine/LineDetector/Crossed')).toBe('line_crossing');
    expect(ruleTypeForOnvifTopic('RuleEngine/FieldDetector/ObjectsInside')).toBe('zone_intrusion');
    expect(ruleTypeForOnvifTopic('tns1:VideoSource/ImageTooBlurry/ImagingService')).toBe('camera_defocus');
    expect(ruleTypeForOnvifTopic('tns1:RuleEngine/CellMotionDetector/Motion')).toBeUndefined();
  });

  it('agrees with the config schema on default severities', () => {
    expect(zoneIntrusion.options.parse({ id: 'a', type: 'zone_intrusion', zone: 'z' }).severity).toBe(RULE_CATALOGUE.zone_intrusion.defaultSeverity);
    expect(lineCrossing.options.parse({ id: 'b', type: 'line_crossing', line: 'l' }).severity).toBe(RULE_CATALOGUE.line_crossing.defaultSeverity);
  });
});
