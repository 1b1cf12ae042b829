import { status } from '@grpc/grpc-js';
import { Logger } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { GrpcStatusFilter } from './grpc-status.filter';

describe(GrpcStatusFilter.name, () => {
  const sut = new GrpcStatusFilter();
  const statusFor = (exception: unknown) =>
    lastValueFrom(sut.catch(exception)).catch((error: unknown) => error);

  beforeEach(() => jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined));
  afterEach(() => jest.restoreAllMocks());

  it('passes an RpcException with a gRPC code and message through', async () => {
    await expect(
      statusFor(new RpcException({ code: status.NOT_FOUND, message: 'no such room' })),
    ).resolves.toEqual({
      code: status.NOT_FOUND,
      message: 'no such room',
    });
  });

  it('turns any other error into INTERNAL without its text, and logs the text', async () => {
    await expect(statusFor(new Error('db password is hunter2'))).resolves.toEqual({
      code: status.INTERNAL,
      message: 'internal error',
    });
    expect(Logger.prototype.error).toHaveBeenCalledWith(
      expect.objectContaining({ error: 'db password is hunter2' }),
    );
  });

  it('treats an RpcException without a valid code as unexpected', async () => {
    await expect(statusFor(new RpcException('plain text'))).resolves.toMatchObject({ code: status.INTERNAL });
    await expect(statusFor(new RpcException({ code: status.OK, message: 'ok?' }))).resolves.toMatchObject({
      code: status.INTERNAL,
    });
  });
});
