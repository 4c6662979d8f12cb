import { describe, expect, it } from 'vitest';
import { systemClock } from './defaults.js';
import { GhrError } from './errors.js';

describe('systemClock', () => {
  it('rejects a sleep with an aborted error when the signal fires', async () => {
    // Arrange
    const controller = new AbortController();
    // Act
    const sleeping = systemClock.sleep(10_000, controller.signal);
    controller.abort();
    // Assert
    await expect(sleeping).rejects.toMatchObject({ code: 'aborted', retryable: false });
    await expect(sleeping).rejects.toBeInstanceOf(GhrError);
  });

  it('resolves after the given time', async () => {
    const start = systemClock.now();
    await systemClock.sleep(20);
    expect(systemClock.now() - start).toBeGreaterThanOrEqual(15);
  });
});
