import { hostPort } from './host-port';

describe(hostPort.name, () => {
  it.each([
    ['127.0.0.1', '127.0.0.1:50051'],
    ['localhost', 'localhost:50051'],
    ['::1', '[::1]:50051'],
    ['::', '[::]:50051'],
    ['[::1]', '[::1]:50051'],
  ])('writes %s as %s', (host, expected) => {
    expect(hostPort(host, 50051)).toBe(expected);
  });
});
