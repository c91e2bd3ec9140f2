/** `camwatch eval`: labelled clips run through the real pipeline offline, matched against their labels, reported. */
export type { LoadedClip } from './clip.js';
export { formatReportMarkdown, formatReportText, replaceBetweenMarkers } from './format.js';
export { runEval, type EvalProgress } from './run-eval.js';
export { DEFAULT_EVAL_CONFIG } from './settings.js';
export type { ClipReport, EvalReport, RuleTypeScore, SplitSummary } from './report.js';
export type { CountRow } from './match.js';
