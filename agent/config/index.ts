/** The config stage: read, validate and describe config/camwatch.yaml. */
export { loadConfig, parseConfigText, resolveConfigPath, secretValues, type LoadedConfig, type LoadOptions, type ParseOptions } from './load.js';
export { validateConfigData, type ValidateOptions } from './validate.js';
export { configJsonSchema, configJsonSchemaText } from './json-schema.js';
export { formatIssue, formatPath, type ConfigIssue } from './issues.js';
export type { ConfigSecrets } from './secrets.js';
export * from './schema.js';
