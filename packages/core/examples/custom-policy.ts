import { createEngine, plan } from '@ghr/core';
import type { EngineDependencies, Engine, PlanFunction } from '@ghr/core';

const MINUTE = 60_000;

/**
 * A policy of your own, in place of ghr's: here ghr's `plan`, except that idle runners are kept (not drained for
 * being idle) on weekdays from 08:00 to 17:59 UTC, and a drain counts as stuck only after 5 minutes. Every
 * decision the engine carries out is in the plan this returns: launches, drains, terminations with how each
 * runner is taken down, expirations, deregistrations, re-checks, retirements and stuck drains.
 */
export const officeHoursPolicy: PlanFunction = (snapshot, pools, now, options) => {
  const decided = plan(snapshot, pools, now, { ...options, stuckDrainAfter: 5 * MINUTE });
  const at = new Date(now);
  const office = at.getUTCDay() >= 1 && at.getUTCDay() <= 5 && at.getUTCHours() >= 8 && at.getUTCHours() < 18;
  return office ? { ...decided, drains: decided.drains.filter((drain) => drain.reason !== 'idle-timeout') } : decided;
};

/** The engine with that policy: it decides nothing the plan does not say. */
export function createOfficeHoursEngine(ports: Omit<EngineDependencies, 'options'>): Engine {
  return createEngine({ ...ports, options: { plan: officeHoursPolicy } });
}
