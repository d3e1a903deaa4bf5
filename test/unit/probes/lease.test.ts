// How long a probe lease lasts, how often a replica offers a round, and what a
// host is probed at: derived from the configuration alone.
import { describe, expect, it } from 'vitest';
import { leaseMs, probeTarget } from '../../../lib/probes/round';
import { offerEveryMs } from '../../../lib/probes/schedule';

describe('the probe lease', () => {
  it('lasts max(30 s, 3 × PROBE_TIMEOUT_MS), at most the interval', () => {
    expect(leaseMs({ PROBE_INTERVAL_S: 300, PROBE_TIMEOUT_MS: 2000 })).toBe(30_000);
    expect(leaseMs({ PROBE_INTERVAL_S: 300, PROBE_TIMEOUT_MS: 20_000 })).toBe(60_000);
    expect(leaseMs({ PROBE_INTERVAL_S: 20, PROBE_TIMEOUT_MS: 2000 })).toBe(20_000);
    expect(leaseMs({ PROBE_INTERVAL_S: 2, PROBE_TIMEOUT_MS: 300 })).toBe(2000);
    // No schedule of this process's own (an EventBridge rule runs the rounds): nothing to cap it.
    expect(leaseMs({ PROBE_INTERVAL_S: 0, PROBE_TIMEOUT_MS: 60_000 })).toBe(180_000);
  });

  it('is offered every third of it, so that a lapsed lease is taken over within a third more', () => {
    const config = { PROBE_INTERVAL_S: 300, PROBE_TIMEOUT_MS: 2000, PROBE_PORT: 22, PROBE_CONCURRENCY: 32 };
    expect(offerEveryMs(config)).toBe(10_000);
    expect(offerEveryMs({ ...config, PROBE_INTERVAL_S: 1 })).toBe(333);
  });
});

describe('what a host is probed at', () => {
  const host = { id: 1, hostname: 'web-1.prod.internal', ip_addresses: ['10.0.1.5', '10.0.2.5'], probe_port: null };
  it('its first IP address, else its name; its own port, else PROBE_PORT', () => {
    expect(probeTarget(host, 22)).toEqual({ host: '10.0.1.5', port: 22 });
    expect(probeTarget({ ...host, probe_port: 443 }, 22)).toEqual({ host: '10.0.1.5', port: 443 });
    expect(probeTarget({ ...host, ip_addresses: [] }, 2222)).toEqual({ host: 'web-1.prod.internal', port: 2222 });
  });
});
