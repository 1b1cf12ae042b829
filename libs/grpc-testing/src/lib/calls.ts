import {
  type ClientReadableStream,
  type ClientUnaryCall,
  Metadata,
  type ServiceError,
  type StatusObject,
  status,
} from '@grpc/grpc-js';

/** How a call ended, as the client saw it: what it received, with headers and status. */
export interface CallOutcome<T> {
  readonly status: StatusObject;
  readonly headers: Metadata;
  readonly response?: T;
}

export interface StreamOutcome<T> {
  readonly status: StatusObject;
  readonly headers: Metadata;
  readonly messages: T[];
}

/** The call options most tests set: a deadline a few seconds out, so nothing hangs. */
export function deadlineIn(ms = 5_000): { deadline: Date } {
  return { deadline: new Date(Date.now() + ms) };
}

/**
 * Runs a unary or client-streaming call and resolves with its outcome, errors included
 * (they are outcomes the tests assert on, not failures of the helper).
 */
export function outcomeOf<T>(
  start: (
    callback: (error: ServiceError | null, response?: T) => void,
  ) => ClientUnaryCall | { on: ClientUnaryCall['on'] },
): Promise<CallOutcome<T>> {
  return new Promise((resolve) => {
    let headers = new Metadata();
    let response: T | undefined;
    let settled = 0;
    let finalStatus: StatusObject | undefined;
    const settle = () => {
      settled += 1;
      if (settled === 2 && finalStatus) resolve({ status: finalStatus, headers, response });
    };
    const call = start((error, value) => {
      response = error ? undefined : value;
      settle();
    });
    call.on('metadata', (metadata: Metadata) => (headers = metadata));
    call.on('status', (outcome: StatusObject) => {
      finalStatus = outcome;
      settle();
    });
  });
}

/** Reads a server stream to its end and resolves with every message and the status. */
export function readAll<T>(stream: ClientReadableStream<T>): Promise<StreamOutcome<T>> {
  return new Promise((resolve) => {
    const messages: T[] = [];
    let headers = new Metadata();
    stream.on('metadata', (metadata: Metadata) => (headers = metadata));
    stream.on('data', (message: T) => messages.push(message));
    // The error event carries the same status as the status event; listening keeps it from throwing.
    stream.on('error', () => undefined);
    stream.on('status', (outcome: StatusObject) => resolve({ status: outcome, headers, messages }));
  });
}

/** Resolves with the next message of a stream, or rejects with its status if it ends first. */
export function nextMessage<T>(stream: {
  once: ClientReadableStream<T>['once'];
  off: ClientReadableStream<T>['off'];
}): Promise<T> {
  return new Promise((resolve, reject) => {
    const onData = (message: T) => {
      stream.off('status', onStatus);
      resolve(message);
    };
    const onStatus = (outcome: StatusObject) => {
      stream.off('data', onData);
      reject(new Error(`stream ended with ${status[outcome.code]}: ${outcome.details}`));
    };
    stream.once('data', onData);
    stream.once('status', onStatus);
  });
}

/** Resolves with the status a stream ends with. */
export function statusOf(stream: { on: ClientReadableStream<unknown>['on'] }): Promise<StatusObject> {
  return new Promise((resolve) => {
    stream.on('error', () => undefined);
    stream.on('status', resolve);
  });
}
