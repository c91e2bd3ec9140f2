/** The bench's limit arithmetic (scripts/bench/limit.ts): pure functions, no measurement. */
import { describe, expect, it } from 'vitest';
import type { CapacityStep } from '../../../scripts/bench/capacity.js';
import { cameraLimit, contentionView, limitCpuMsPerAnalysedFrame, memoryFit, sceneInferenceShare } from '../../../scripts/bench/limit.js';

function step(cameras: number, pass: boolean, shares: number[], rssMb = 0, decodersPssMb = 0, cpu: Partial<CapacityStep> = {}): CapacityStep {
  return {
    otherCpuPercent: 0, cpuMsPerAnalysedFrame: 50,
    cameras, pass, minFps: 5, meanFps: 5, p50LatencyMs: 50, p95LatencyMs: 90, detectorBusy: 0.5, detectorWorkers: 1, eventLoopP99Ms: 5, eventLoopMaxMs: 9, inferenceShare: 1, inferenceSharePerCamera: shares,
    framesShed: 0, lowestTargetFps: 5, agentCpuPercent: 50, decodeCpuPercent: 10, decodeCpuPercentPerCamera: 10 / cameras, cameraSideCpuPercent: 0,
    agentRssMb: rssMb, agentPssMb: rssMb - 10, decodersPssMb, totalPssMb: rssMb - 10 + decodersPssMb, memoryTargetMb: 150 + 15 * cameras, agentCpuMsPerFrame: 20,
    ...cpu,
  };
}

describe('bench limit', () => {
  it('divides the cores by one camera\'s decode share plus its inference CPU at the analysis rate', () => {
    // 10 % decode + 5 fps × 20 ms = 0.1 + 0.1 = 0.2 core per camera: 2 cores carry 10.
    expect(cameraLimit({ cores: 2, decodeCorePercentPerCamera: 10, analysisFps: 5, inferenceShare: 1, cpuMsPerInference: 20 })).toBe(10);
    // The gate inferring half the frames: 0.1 + 0.05 = 0.15 core per camera.
    expect(cameraLimit({ cores: 2, decodeCorePercentPerCamera: 10, analysisFps: 5, inferenceShare: 0.5, cpuMsPerInference: 20 })).toBe(13.33);
    expect(cameraLimit({ cores: 2, decodeCorePercentPerCamera: 0, analysisFps: 5, inferenceShare: 0, cpuMsPerInference: 20 })).toBe(0);
  });

  it('says what one analysed frame costs by the limit: decode spread over the analysis rate plus the inferred share', () => {
    // 10 % of a core at 5 fps = 20 ms per frame, + 0.5 × 20 ms.
    expect(limitCpuMsPerAnalysedFrame({ decodeCorePercentPerCamera: 10, analysisFps: 5, inferenceShare: 0.5, cpuMsPerInference: 20 })).toBe(30);
  });

  it('takes the RTSP server and other tenants off the cores, and compares the limit\'s cost per frame with the measured one', () => {
    // Others took 60 % and 80 % of a core, the RTSP server 10 % each time: 0.8 core taken on average, 1.2 left.
    const steps = [
      step(4, true, [1, 1, 1, 1], 0, 0, { otherCpuPercent: 60, cameraSideCpuPercent: 10, cpuMsPerAnalysedFrame: 45 }),
      step(8, false, [1], 0, 0, { otherCpuPercent: 80, cameraSideCpuPercent: 10, cpuMsPerAnalysedFrame: 90 }),
    ];
    // The largest passing step's 45 ms against the limit's 40.5 ms: 0.9 of the CPU is counted.
    expect(contentionView(steps, { cores: 2, limit: 10, limitCpuMsPerAnalysedFrame: 40.5 })).toEqual({ coresLeft: 1.2, limitOnCoresLeft: 6, cpuShareCounted: 0.9 });
    // No step passed: the smallest one is read.
    expect(contentionView([steps[1]!], { cores: 2, limit: 10, limitCpuMsPerAnalysedFrame: 45 })).toMatchObject({ cpuShareCounted: 0.5 });
    expect(contentionView([], { cores: 2, limit: 10, limitCpuMsPerAnalysedFrame: 45 })).toBeUndefined();
  });

  it('weighs each clip the same in the inference share, from a step that plays every clip', () => {
    // Passing 4-camera step with 3 clips: clip 0 on cameras 0 and 3 (1, 1), clip 1 (0.5), clip 2 (0.2).
    const steps = [step(1, true, [1]), step(2, true, [1, 0.5]), step(4, true, [1, 0.5, 0.2, 1]), step(8, false, [1, 1, 1, 1, 1, 1, 1, 1])];
    expect(sceneInferenceShare(steps, 3)).toBeCloseTo((1 + 0.5 + 0.2) / 3, 2);
    // Only 2 cameras pass: the smallest step playing all 3 clips is read instead.
    const fewer = [step(1, true, [1]), step(2, true, [1, 0.4]), step(4, false, [0.8, 0.6, 0.1, 0.8])];
    expect(sceneInferenceShare(fewer, 3)).toBeCloseTo((0.8 + 0.6 + 0.1) / 3, 2);
    expect(sceneInferenceShare([], 1)).toBeUndefined();
  });

  it('fits memory as a base plus a share per camera, and says null when one step cannot tell them apart', () => {
    const fit = memoryFit([step(1, true, [1], 260, 20), step(2, true, [1, 1], 280, 40), step(4, true, [1, 1, 1, 1], 320, 80)]);
    expect(fit).toEqual({ agentRssBaseMb: 240, agentRssPerCameraMb: 20, agentPssBaseMb: 230, agentPssPerCameraMb: 20, decodersPssPerCameraMb: 20 });
    expect(memoryFit([step(1, true, [1], 260)])).toMatchObject({ agentRssBaseMb: null, agentRssPerCameraMb: null });
  });
});
