import { describe, expect, it } from 'vitest';
import { CrashGate } from './crash.js';

describe('CrashGate', () => {
  it('passes calls through until the crash, then refuses new calls and drops answers in flight', async () => {
    // Arrange
    const gate = new CrashGate();
    let effects = 0;
    let release!: () => void;
    const port = gate.wrap({
      now: () => Promise.resolve(++effects),
      slow: () =>
        new Promise<string>((resolve) => {
          effects++;
          release = () => resolve('answer');
        }),
      name: 'port',
    });
    // Act
    const before = await port.now();
    const inFlight = port.slow();
    gate.crash();
    release();
    // Assert
    expect(before).toBe(1);
    await expect(inFlight).rejects.toMatchObject({ code: 'internal' });
    await expect(port.now()).rejects.toMatchObject({ code: 'internal' });
    expect(effects).toBe(2); // the slow call took effect at the far end; the last call never started
    expect(port.name).toBe('port');
    expect(gate.crashed).toBe(true);
  });
});

describe('CrashGate at a given call', () => {
  it('kills the run just before its n-th port call: the earlier calls took effect, that one never starts', async () => {
    const gate = new CrashGate({ crashAtCall: 3 });
    let effects = 0;
    const port = gate.wrap({ write: () => Promise.resolve(++effects) });
    await port.write();
    await port.write();
    await expect(port.write()).rejects.toMatchObject({ code: 'internal' });
    await expect(port.write()).rejects.toMatchObject({ code: 'internal' });
    expect(effects).toBe(2);
    expect(gate.crashed).toBe(true);
  });
});
