// The id rule is in the kernel: the rules stage checks rule ids with it too.
import { ID_MAX_LENGTH } from '../core/index.js';

export { ID_MAX_LENGTH, ID_PATTERN, ID_RULE, idSchema } from '../core/index.js';

/**
 * mqtt.topicPrefix: one or more levels of the same characters separated by "/" (a trailing "/" is dropped),
 * at most 8 levels: no wildcard, no empty level, no NUL.
 */
export const TOPIC_PREFIX_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}(\/[A-Za-z0-9][A-Za-z0-9_.-]{0,63}){0,7}\/?$/;
export const TOPIC_PREFIX_RULE = `must not contain MQTT wildcards (+ #) or empty levels: use up to 8 levels of 1 to ${ID_MAX_LENGTH} letters, digits, "_", "-" or "." separated by "/"`;
