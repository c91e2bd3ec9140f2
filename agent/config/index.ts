/** The config stage: read, validate and describe config/camwatch.yaml. */
export { loadConfig, parseConfigText, resolveConfigPath, secretValues, type LoadedConfig, type LoadOptions, type ParseOptions } from './load.js';
export { validateConfigData, type ValidateOptions } from './validate.js';
export { configJsonSchema, configJsonSchemaText } from './json-schema.js';
export { formatIssue, formatPath, type ConfigIssue } from './issues.js';
export type { ConfigSecrets } from './secrets.js';
export * from './schema.js';
export { formatIssueList, type RawIssue } from './issues.js';
export { type Config, type CameraConfig, type SourceConfig, cameraSchema } from './schema.js';
export { readModelCatalogue } from './validate-classes.js';
export { parseYamlSource, type YamlSource } from './yaml-source.js';
export { parseWithIssues } from './zod-issues.js';
