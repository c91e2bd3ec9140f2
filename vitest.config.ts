import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests spawn ffmpeg, mosquitto and ONNX sessions: on a 2-core box, two files at a time.
    pool: 'forks',
    maxWorkers: 2,
    // Every test file must leave no child process, socket or server behind (test/helpers/leak-check.ts).
    setupFiles: ['test/helpers/leak-check.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
  },
});
