import type { LoggerService } from '@nestjs/common';
import { surviveUnexpectedErrors } from './unexpected-errors';

/** The listener added last for `event`: the guard's, called directly so that Jest's own stay out of it. */
const guardFor = (event: 'uncaughtException' | 'unhandledRejection') =>
  (process as NodeJS.EventEmitter).listeners(event).at(-1) as (error: unknown) => void;

describe(surviveUnexpectedErrors.name, () => {
  const logger = () =>
    ({ error: jest.fn(), log: jest.fn(), warn: jest.fn() }) as LoggerService & { error: jest.Mock };

  it('logs and counts an error no request handled, and the process goes on', () => {
    const log = logger();
    const counted = jest.fn();
    const stop = surviveUnexpectedErrors(log, counted);
    try {
      guardFor('uncaughtException')(new Error('boom'));
      guardFor('unhandledRejection')('rejected');
    } finally {
      stop();
    }
    expect(counted).toHaveBeenCalledTimes(2);
    expect(log.error).toHaveBeenCalledWith(
      expect.objectContaining({
        event: 'uncaught-exception',
        error: 'boom',
        stack: expect.stringContaining('Error: boom'),
      }),
    );
    expect(log.error).toHaveBeenCalledWith(
      expect.objectContaining({ event: 'unhandled-rejection', error: 'rejected' }),
    );
  });

  it('counts but does not log an EPIPE, which means the log itself is gone', () => {
    const log = logger();
    const counted = jest.fn();
    const stop = surviveUnexpectedErrors(log, counted);
    try {
      guardFor('uncaughtException')(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    } finally {
      stop();
    }
    expect(counted).toHaveBeenCalledTimes(1);
    expect(log.error).not.toHaveBeenCalled();
  });

  it('stops listening when told to', () => {
    const before = process.listenerCount('uncaughtException');
    surviveUnexpectedErrors(logger(), jest.fn())();
    expect(process.listenerCount('uncaughtException')).toBe(before);
  });
});
