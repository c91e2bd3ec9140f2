/** The technician's web console: HTTP API (fastify) over the running agent, and the page's static files. */
export { startConsoleServer, type RunningConsole } from './start.js';
export { createConsoleApp, type ConsoleAppOptions } from './server.js';
export type { ConsolePort, ConsoleAgentStatus, ConsoleCameraStatus, ConsoleReloadPlan, LiveFrame, LiveTrack } from './port.js';
export { consoleTokenPath, readConsoleToken } from './token.js';
