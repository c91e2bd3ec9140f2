export type { LoadedClip } from './clip.js';
export { formatReportMarkdown, formatReportText, replaceBetweenMarkers } from './format.js';
export { runEval, type EvalProgress } from './run-eval.js';
export { DEFAULT_EVAL_CONFIG } from './settings.js';
