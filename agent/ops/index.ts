/** The composition root: the Agent (components under a supervisor), camera runners, health and metrics. */
export { createAgentDetector, detectorWorkersFor } from './agent-detector.js';
export { Agent } from './agent.js';
export { startCamera } from './camera-runner.js';
export { HEAP_GROWING_PERCENT, tuneHeapGrowth } from './heap-growth.js';
export { DEFAULT_HEALTH_HOST, DEFAULT_HEALTH_PORT } from './health-server.js';
export type { AgentStatus, CameraStatus } from './status-report.js';
