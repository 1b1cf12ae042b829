import type { ServiceProcess } from '@quartet/grpc-testing';

/** The errors a process logged as reaching it outside every request's own handling. */
export function unexpectedErrorsOf(process: ServiceProcess): unknown[] {
  return process.logs.filter((entry) => {
    const message = entry['message'] as { event?: string } | undefined;
    return message?.event === 'uncaught-exception' || message?.event === 'unhandled-rejection';
  });
}
