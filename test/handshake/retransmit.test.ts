import { describe, expect, it } from 'vitest';
import { RetransmitTimer } from '../../src/handshake/retransmit.js';

describe('RetransmitTimer', () => {
  it('S-29 starts at 1 s and is stopped until started', () => {
    const t = new RetransmitTimer();
    expect(t.current).toBe(1000);
    expect(t.deadline).toBeUndefined();
    expect(t.retries).toBe(0);
    t.start(5000);
    expect(t.deadline).toBe(6000);
  });

  it('NET-09 doubles on each expiry, 1, 2, 4, 8, 16, 32, then holds at the 60 s cap', () => {
    const t = new RetransmitTimer();
    const values = [t.current];
    for (let i = 0; i < 8; i++) {
      t.backoff(0);
      values.push(t.current);
    }
    expect(values).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000]);
    expect(t.retries).toBe(8);
  });

  it('NET-09 resends at 1, 3, 7 and 15 s when every flight is lost', () => {
    const t = new RetransmitTimer();
    t.start(0);
    const resends: number[] = [];
    while (t.deadline! < 30_000) {
      const now = t.deadline!;
      resends.push(now);
      t.backoff(now);
    }
    expect(resends).toEqual([1000, 3000, 7000, 15_000]);
    expect(t.deadline).toBe(31_000);
  });

  it('re-arms on backoff relative to the time it fired, tolerating early or late firing', () => {
    const t = new RetransmitTimer();
    t.start(0);
    t.backoff(990); // fired 10 ms early
    expect(t.deadline).toBe(2990);
    t.backoff(3500); // handled late
    expect(t.deadline).toBe(7500);
  });

  it('stop() clears the deadline but keeps the value', () => {
    const t = new RetransmitTimer();
    t.start(0);
    t.backoff(1000);
    t.stop();
    expect(t.deadline).toBeUndefined();
    expect(t.current).toBe(2000);
    t.start(10_000);
    expect(t.deadline).toBe(12_000);
  });

  it('S-29 progress after a loss keeps the backed-off value and clears the retry count', () => {
    const t = new RetransmitTimer();
    t.start(0);
    t.backoff(1000);
    t.backoff(3000);
    expect(t.current).toBe(4000);
    t.progress();
    expect(t.current).toBe(4000);
    expect(t.retries).toBe(0);
    t.start(5000);
    expect(t.deadline).toBe(9000);
  });

  it('S-29 progress with no loss since the last progress goes back to the initial value', () => {
    const t = new RetransmitTimer();
    t.backoff(0);
    t.backoff(0);
    t.progress(); // the exchange that saw losses: value kept
    expect(t.current).toBe(4000);
    t.progress(); // an exchange without loss: back to 1 s
    expect(t.current).toBe(1000);
  });

  it('reset() goes back to the initial value and zero retries', () => {
    const t = new RetransmitTimer();
    for (let i = 0; i < 10; i++) t.backoff(0);
    t.reset();
    expect(t.current).toBe(1000);
    expect(t.retries).toBe(0);
  });

  it('takes a configurable initial value and cap', () => {
    const t = new RetransmitTimer(400, 3000);
    const values = [t.current];
    for (let i = 0; i < 5; i++) {
      t.backoff(0);
      values.push(t.current);
    }
    expect(values).toEqual([400, 800, 1600, 3000, 3000, 3000]);
    t.reset();
    expect(t.current).toBe(400);
  });
});
