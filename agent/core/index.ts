/**
 * The kernel under every stage: errors with codes and hints, the logger and redaction, retry backoff,
 * clocks, safe file reads, the shared box geometry and small maths. It imports no stage.
 */
export { backoffDelayMs, type BackoffOptions } from './backoff.js';
export { formatBytes } from './bytes.js';
export { diskFreeBytes } from './disk.js';
export { sha256File } from './file-hash.js';
export { WALL_CLOCK, type Clock, VideoClock } from './clock.js';
export { CamwatchError, type ErrorCode, describeError, isCamwatchError, ERROR_CATALOGUE } from './errors.js';
export { iou, bottomCentre, boxArea, intersectionArea, type Box } from './geometry.js';
export { cropImage, type CropRect, type RgbImage } from './image.js';
export { jsonNestingDepth } from './json-depth.js';
export { formatJsonError, parseJsonText } from './json-text.js';
export { type Logger, createLogger } from './logger.js';
export { redactSecrets, redactUrl } from './redact.js';
export { DEFAULT_CONFIG_MAX_BYTES, FileReadError, readTextCappedAsync, DEFAULT_SECRET_MAX_BYTES, DEFAULT_TLS_FILE_MAX_BYTES, readFileCapped, readTextCapped, DEFAULT_MANIFEST_MAX_BYTES } from './safe-read.js';
export { resolveFrom } from './paths.js';
export { PrivateFileError, type PrivateFileProblem, readPrivateFile, writePrivateFile } from './private-file.js';
export { quantile } from './stats.js';
export { agentVersion } from './version.js';
export { printable, formatTable } from './text-table.js';
export { ID_MAX_LENGTH, ID_PATTERN, ID_RULE, idSchema } from './ids.js';
