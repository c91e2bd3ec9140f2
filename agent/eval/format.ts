import { formatTable } from '../core/index.js';
import type { ClipReport, EvalReport, RuleTypeScore, SplitSummary } from './report.js';

/** The report as text tables (stdout) and as Markdown (docs/quality.md). */

const num = (v: number | null, digits = 2): string => (v === null ? '–' : v.toFixed(digits));
const pct = (v: number | null): string => (v === null ? '–' : `${Math.round(v * 100)} %`);

function scoreCells(split: string, s: RuleTypeScore): string[] {
  return [
    split,
    s.ruleType,
    String(s.expected),
    String(s.produced),
    String(s.truePositives),
    String(s.falsePositives),
    String(s.misses),
    num(s.precision),
    num(s.recall),
    num(s.meanAbsStartErrorS, 1),
    num(s.maxAbsStartErrorS, 1),
  ];
}

const SCORE_HEADER = ['split', 'rule type', 'expected', 'produced', 'TP', 'FP', 'misses', 'precision', 'recall', 'mean |Δt| s', 'max |Δt| s'];
const COUNT_HEADER = ['clip', 'split', 'line', 'class', 'dir', 'expected', 'counted', 'error', 'rel. error'];
const CLIP_HEADER = ['clip', 'split', 'video', 'video s', 'frames', 'inferences', 'skipped', 'coasted', 'detector runs', 'runs/frame', 'empty-span frames', 'skipped there', 'clip fps'];

function scoreRows(summaries: readonly SplitSummary[]): string[][] {
  return summaries.flatMap((s) => (s.clips === 0 ? [] : [...s.byRuleType.map((r) => scoreCells(s.split, r)), scoreCells(s.split, s.overall)]));
}

function countRows(clips: readonly ClipReport[]): string[][] {
  return clips.flatMap((c) =>
    c.counts.map((r) => [
      c.name,
      c.split,
      r.line,
      r.class,
      r.direction,
      r.expected === null ? 'not labelled' : String(r.expected),
      String(r.counted),
      r.error === null ? '–' : (r.error > 0 ? `+${r.error}` : String(r.error)),
      r.relativeError === null ? '–' : `${r.relativeError > 0 ? '+' : ''}${Math.round(r.relativeError * 100)} %`,
    ]),
  );
}

function clipRows(clips: readonly ClipReport[]): string[][] {
  return clips.map((c) => [
    c.name,
    c.split,
    c.video,
    c.durationS.toFixed(1),
    String(c.framesAnalysed),
    String(c.inferencesRun),
    String(c.inferencesSkipped),
    String(c.inferencesCoasted),
    String(c.detectorRuns),
    c.framesAnalysed === 0 ? '–' : (c.detectorRuns / c.framesAnalysed).toFixed(2),
    String(c.emptySpans.framesInSpans),
    c.emptySpans.framesInSpans === 0 ? '–' : `${c.emptySpans.skippedInSpans} (${pct(c.emptySpans.skippedShare)})`,
    c.framesPerSecond.toFixed(1),
  ]);
}

/** What was run: model and the settings that decide detections and tracks. */
export function settingsLine(report: EvalReport): string {
  const d = report.settings.detection;
  const t = report.settings.tracking;
  const m = report.settings.model;
  const extra = ['classThresholds', 'minAreaPx', 'maxAreaPx', 'minAspectRatio', 'maxAspectRatio', 'classRemap']
    .filter((k) => d[k] !== undefined)
    .map((k) => `${k} ${JSON.stringify(d[k])}`);
  return [
    `model ${m.name} (${m.layout}, ${m.inputWidth}x${m.inputHeight}), scoreThreshold ${String(d.scoreThreshold)}, nmsIouThreshold ${String(d.nmsIouThreshold)}${extra.length ? `, ${extra.join(', ')}` : ''}`,
    `tracking ${String(t.kind)} (iou ${String(t.iouThreshold)}, maxLostSeconds ${String(t.maxLostSeconds)}, minHits ${String(t.minHits)}, high/low score ${String(t.highScoreThreshold)}/${String(t.lowScoreThreshold)})`,
    `config ${report.settings.config}${report.settings.overrides.length ? `, --set ${report.settings.overrides.join(' --set ')}` : ''}; snapshots not drawn`,
  ].join('\n');
}

/** Misses and false positives, one line each, so a labeller can go and look. */
function errorLines(clips: readonly ClipReport[]): string[] {
  const out: string[] = [];
  for (const c of clips) {
    for (const i of c.incidents.misses) {
      const e = c.incidents.expected[i]!;
      out.push(`  ${c.name}: MISS ${e.rule}${e.class ? ` (${e.class})` : ''} at ${e.startS.toFixed(1)} s ±${e.toleranceS}${e.note ? `: ${e.note}` : ''}`);
    }
    for (const i of c.incidents.falsePositives) {
      const p = c.incidents.produced[i]!;
      out.push(`  ${c.name}: FALSE POSITIVE ${p.rule} (${p.class}, track ${p.trackId}) at ${p.startS.toFixed(1)} s`);
    }
  }
  return out;
}

/** The report for a terminal. */
export function formatReportText(report: EvalReport): string {
  const { tune, holdout, all } = report.summary;
  const parts = [
    `camwatch eval: ${report.clips.length} clip${report.clips.length === 1 ? '' : 's'}, ${report.framesAnalysed} frames in ${report.elapsedS.toFixed(1)} s (${report.framesPerSecond.toFixed(1)} frames/s)`,
    settingsLine(report),
    '',
    'Incidents per rule type (line crossings are compared as counts below)',
    formatTable(SCORE_HEADER, scoreRows([tune, holdout, all]), { right: [2, 3, 4, 5, 6, 7, 8, 9, 10] }),
  ];
  const counts = countRows(report.clips);
  if (counts.length) parts.push('Line counts (per line, class and direction, whole clip)', formatTable(COUNT_HEADER, counts, { right: [5, 6, 7, 8] }));
  parts.push('Clips (motion gate: inferences skipped, and skipped inside the labelled empty spans; coasted: tracks moved along their predicted paths instead; detector runs: one per window run on a tiled frame)', formatTable(CLIP_HEADER, clipRows(report.clips), { right: [3, 4, 5, 6, 7, 8, 9, 10, 11, 12] }));
  const errors = errorLines(report.clips);
  if (errors.length) parts.push('Misses and false positives', `${errors.join('\n')}\n`);
  return parts.join('\n');
}

function markdownTable(header: readonly string[], rows: readonly (readonly string[])[], rightFrom: number): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const align = header.map((_, i) => (i >= rightFrom ? '---:' : '---'));
  return [`| ${header.map(esc).join(' | ')} |`, `| ${align.join(' | ')} |`, ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}

/** The report as Markdown tables, for the generated part of docs/quality.md. */
export function formatReportMarkdown(report: EvalReport, command: string): string {
  const { tune, holdout, all } = report.summary;
  const settings = settingsLine(report)
    .split('\n')
    .map((l) => `- ${l}`)
    .join('\n');
  const parts = [
    `Generated by \`${command}\` (camwatch ${report.camwatchVersion}, ${report.createdAt.slice(0, 10)}): ${report.clips.length} clip${report.clips.length === 1 ? '' : 's'}, ${report.framesAnalysed} frames analysed in ${report.elapsedS.toFixed(0)} s (${report.framesPerSecond.toFixed(1)} frames/s on the machine that ran it).`,
    '',
    settings,
    '',
    '**Incidents per rule type** (TP/FP/misses; start-time error over matched incidents; line crossings are compared as counts)',
    '',
    markdownTable(SCORE_HEADER, scoreRows([tune, holdout, all]), 2),
    '',
  ];
  const counts = countRows(report.clips);
  if (counts.length) parts.push('**Line counts** (whole clip; "not labelled": counted on a labelled line in a class the truth does not give)', '', markdownTable(COUNT_HEADER, counts, 5), '');
  parts.push('**Clips and motion gate** (inferences run and skipped by the gate; coasted: frames whose tracks moved along their predicted paths instead, `motion.coastTracks`; detector runs, one per window run on a tiled frame, and per analysed frame; analysed frames inside the labelled empty spans and the share the gate skipped)', '', markdownTable(CLIP_HEADER, clipRows(report.clips), 3), '');
  return parts.join('\n');
}

/** Markers around the generated part of docs/quality.md. */
export const MARKDOWN_BEGIN = '<!-- eval-table:begin (generated by camwatch eval --markdown; do not edit by hand) -->';
export const MARKDOWN_END = '<!-- eval-table:end -->';

/** `doc` with the text between the markers replaced; throws when the markers are missing or out of order. */
export function replaceBetweenMarkers(doc: string, generated: string): string {
  const b = doc.indexOf(MARKDOWN_BEGIN);
  const e = doc.indexOf(MARKDOWN_END);
  if (b < 0 || e < b) throw new Error(`the markers are missing; put these two lines where the table goes:\n${MARKDOWN_BEGIN}\n${MARKDOWN_END}`);
  return `${doc.slice(0, b + MARKDOWN_BEGIN.length)}\n${generated.trimEnd()}\n${doc.slice(e)}`;
}
