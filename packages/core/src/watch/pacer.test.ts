import { ChannelPacer } from './pacer.js';

class RateLimited extends Error {
  constructor(readonly retryAfterInMs: number) {
    super('ratelimited');
  }
}

const pacer = (intervalInMs: number) => new ChannelPacer({ intervalInMs, retryAfterInMsOf: (error) => (error instanceof RateLimited ? error.retryAfterInMs : undefined) });

describe('ChannelPacer', () => {
  it('sends one call at a time per channel, at least the interval apart; other channels do not wait', async () => {
    const p = pacer(60);
    const started: [string, number][] = [];
    const t0 = Date.now();
    const send = (channel: string) => p.send(channel, async () => {
      started.push([channel, Date.now() - t0]);
    });
    await Promise.all([send('#a'), send('#a'), send('#a'), send('#b')]);
    const a = started.filter(([channel]) => channel === '#a').map(([, at]) => at);
    expect(a[1]! - a[0]!).toBeGreaterThanOrEqual(55);
    expect(a[2]! - a[1]!).toBeGreaterThanOrEqual(55);
    expect(started.find(([channel]) => channel === '#b')![1]).toBeLessThan(40);
    expect(p.queuedInMs).toHaveLength(4);
    expect(Math.max(...p.queuedInMs)).toBeGreaterThanOrEqual(110);
  });

  it('waits the Retry-After of a refused call, then sends it again; other errors are thrown at once', async () => {
    const p = pacer(1);
    let calls = 0;
    const t0 = Date.now();
    const value = await p.send('#a', async () => {
      calls += 1;
      if (calls === 1) throw new RateLimited(80);
      return 'ok';
    });
    expect(value).toBe('ok');
    expect(calls).toBe(2);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(75);
    await expect(p.send('#a', async () => {
      throw new Error('channel_not_found');
    })).rejects.toThrow('channel_not_found');
  });

  it('gives up after maxAttempts refusals', async () => {
    const p = new ChannelPacer({ intervalInMs: 1, maxAttempts: 2, retryAfterInMsOf: () => 5 });
    let calls = 0;
    await expect(p.send('#a', async () => {
      calls += 1;
      throw new RateLimited(5);
    })).rejects.toThrow('ratelimited');
    expect(calls).toBe(2);
  });
});
