/** The technician's web console: HTTP API (fastify) over the running agent, and the page's static files. */
export { startConsoleServer, type RunningConsole } from './start.js';
export { createConsoleApp, type ConsoleAppOptions } from './server.js';
export type { ConsolePort, ConsoleAgentStatus, ConsoleCameraStatus, ConsoleReloadPlan, LiveFrame, LiveTrack } from './port.js';
export { consoleTokenPath, loadOrCreateConsoleToken, readConsoleToken, CONSOLE_TOKEN_FILE, MIN_TOKEN_CHARS } from './token.js';
export { liveEventBody, type LiveEvent, DEFAULT_LIVE_JPEG_QUALITY } from './live-hub.js';
export { unifiedDiff } from './unified-diff.js';
