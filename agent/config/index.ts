/** The config stage: read, validate and describe config/camwatch.yaml. */
export { loadConfig, parseConfigText, resolveConfigPath, secretValues, type LoadedConfig } from './load.js';
export { configJsonSchema } from './json-schema.js';
export { validateConfigData } from './validate.js';
export { configJsonSchemaText } from './json-schema.js';
export { formatPath, type ConfigIssue } from './issues.js';
export * from './schema.js';
export { formatIssueList, type RawIssue } from './issues.js';
export { type Config, type CameraConfig, type SourceConfig, cameraSchema } from './schema.js';
export { readModelCatalogue } from './validate-classes.js';
export { parseYamlSource, type YamlSource } from './yaml-source.js';
export { parseWithIssues } from './zod-issues.js';
export { isLoopbackHost } from './console-schema.js';
