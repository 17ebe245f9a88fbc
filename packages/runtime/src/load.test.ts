import { describe, expect, it } from 'vitest';
import { keepOrtTelemetryOff } from './load.js';

describe('keepOrtTelemetryOff', () => {
  it("turns onnxruntime's telemetry off unless the user chose", () => {
    const unset: NodeJS.ProcessEnv = {};
    keepOrtTelemetryOff(unset);
    expect(unset).toEqual({ ORT_DISABLE_TELEMETRY: '1' });
    const chosen: NodeJS.ProcessEnv = { ORT_DISABLE_TELEMETRY: '0' };
    keepOrtTelemetryOff(chosen);
    expect(chosen).toEqual({ ORT_DISABLE_TELEMETRY: '0' });
  });
});
