/** The config a technician edits on a box; the example is used when it does not exist yet. */
export const DEFAULT_CONFIG_PATH = 'config/camwatch.yaml';
export const EXAMPLE_CONFIG_PATH = 'config/camwatch.example.yaml';
