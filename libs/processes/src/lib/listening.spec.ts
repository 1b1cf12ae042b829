import { listeningEvent } from './listening';

describe(listeningEvent.name, () => {
  it('finds the address in the listening event of a JSON log line', () => {
    const line = JSON.stringify({
      level: 'info',
      message: { event: 'listening', address: '[::1]:50051', workers: 2 },
    });
    expect(listeningEvent(line)).toEqual({ event: 'listening', address: '[::1]:50051', workers: 2 });
  });

  it('passes over every other line', () => {
    for (const line of [
      'Ready to accept connections',
      'null',
      '{"message":"listening"}',
      '{"message":{"event":"draining","address":"127.0.0.1:1"}}',
      '{"message":{"event":"listening"}}',
    ]) {
      expect(listeningEvent(line)).toBeUndefined();
    }
  });
});
