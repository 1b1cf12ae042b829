import { StreamSlots } from './stream-slots';

describe(StreamSlots.name, () => {
  const granted = (outcome: ReturnType<StreamSlots['acquire']>) => {
    if (!('release' in outcome)) throw new Error(`refused: ${outcome.message}`);
    return outcome;
  };

  it('refuses a client past its own limit while others still get slots', () => {
    const sut = new StreamSlots({ maxStreams: 10, maxStreamsPerClient: 2 });
    granted(sut.acquire('10.0.0.1'));
    granted(sut.acquire('10.0.0.1'));
    expect(sut.acquire('10.0.0.1')).toEqual({
      limit: 'streams_per_client',
      message: 'this client already has 2 open streams; the limit is 2',
    });
    granted(sut.acquire('10.0.0.2'));
    expect(sut.size).toBe(3);
  });

  it('refuses everyone past the total and takes new streams again once one is released', () => {
    const sut = new StreamSlots({ maxStreams: 2, maxStreamsPerClient: 2 });
    const first = granted(sut.acquire('a'));
    granted(sut.acquire('b'));
    expect(sut.acquire('c')).toMatchObject({ limit: 'streams_total' });
    first.release();
    granted(sut.acquire('c'));
  });

  it('counts a release once however often it is called', () => {
    const sut = new StreamSlots({ maxStreams: 5, maxStreamsPerClient: 1 });
    const slot = granted(sut.acquire('a'));
    slot.release();
    slot.release();
    expect(sut.size).toBe(0);
    granted(sut.acquire('a'));
    expect(sut.acquire('a')).toMatchObject({ limit: 'streams_per_client' });
  });
});
