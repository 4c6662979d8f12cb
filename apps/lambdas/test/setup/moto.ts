// Vitest globalSetup of the end-to-end project: one moto server for the run, on a free loopback port (or the one
// CI started: MOTO_ENDPOINT), handed to tests as `inject('motoEndpoint')`; stopped by its PID.
import { startMoto } from '@ghr/aws/testing';
import type { MotoServer } from '@ghr/aws/testing';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `http://127.0.0.1:<port>` of the moto server shared by the end-to-end files. */
    motoEndpoint: string;
  }
}

let moto: MotoServer | undefined;

export async function setup(project: TestProject): Promise<void> {
  moto = await startMoto({
    ...(process.env['MOTO_ENDPOINT'] ? { endpoint: process.env['MOTO_ENDPOINT'] } : {}),
    ...(process.env['PATH'] ? { path: process.env['PATH'] } : {}),
  });
  project.provide('motoEndpoint', moto.endpoint);
}

export async function teardown(): Promise<void> {
  await moto?.stop();
  moto = undefined;
}
