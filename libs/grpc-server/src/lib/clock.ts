import type { Provider } from '@nestjs/common';

/** The time now; injected so that tests can stop or break it. */
export type Clock = () => Date;

export const CLOCK = Symbol('Clock');

export const systemClockProvider: Provider = { provide: CLOCK, useValue: (): Date => new Date() };
