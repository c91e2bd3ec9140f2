/**
 * Class handling for multi-class tracking. A small detector hesitates between neighbouring COCO classes
 * for the same object — in the Saigon test clip one dark car is reported as car, bus and truck on
 * successive frames — so association is allowed within a group of look-alike classes, and a track's
 * class is the score-weighted majority of its detections rather than the latest one.
 */

/** Classes a detector confuses with each other: a detection may continue a track of any class in its group. */
export const DEFAULT_CLASS_GROUPS: readonly (readonly string[])[] = [
  ['car', 'truck', 'bus'],
  ['motorcycle', 'bicycle'],
  ['backpack', 'handbag', 'suitcase'],
];

/** Whether a detection of class `b` may continue a track of class `a`. */
export function compatibleClasses(a: string, b: string, groups: readonly (readonly string[])[]): boolean {
  if (a === b) return true;
  return groups.some((g) => g.includes(a) && g.includes(b));
}

/** Score-weighted votes for a track's class. */
export class ClassVote {
  private readonly votes = new Map<string, { classId: number; weight: number }>();
  private best: { className: string; classId: number; weight: number };

  constructor(className: string, classId: number, score: number) {
    this.best = { className, classId, weight: score };
    this.votes.set(className, { classId, weight: score });
  }

  add(className: string, classId: number, score: number): void {
    const v = this.votes.get(className) ?? { classId, weight: 0 };
    v.weight += score;
    this.votes.set(className, v);
    // Ties keep the current class: a track does not flip on an equal vote.
    if (v.weight > this.best.weight && className !== this.best.className) this.best = { className, classId, weight: v.weight };
    else if (className === this.best.className) this.best.weight = v.weight;
  }

  get className(): string {
    return this.best.className;
  }

  get classId(): number {
    return this.best.classId;
  }
}
