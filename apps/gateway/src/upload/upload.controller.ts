import {
  Controller,
  HttpCode,
  HttpException,
  HttpStatus,
  Inject,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SERVED_BY_HEADER, UploadServiceDefinition } from '@quartet/proto';
import { type Caller, callerMetadata, SignedIn } from '../auth/caller';
import { Backends } from '../backends/backends';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { Policy } from '../edge/route-policy';
import { type Query as QueryParams, requiredParam } from '../http/query';
import { uploadJson } from '../http/wire-json';
import { UploadQuota } from '../limits/upload-quota';
import { GatewayMetrics } from '../metrics/gateway-metrics';
import { streamUpload } from './stream-upload';

export const UPLOAD_ROUTE = '/api/uploads';

@Controller(UPLOAD_ROUTE)
export class UploadController {
  constructor(
    private readonly backends: Backends,
    private readonly metrics: GatewayMetrics,
    private readonly quota: UploadQuota,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /**
   * POST /api/uploads?name= with the file as the raw body → 201 and the stored file's
   * `{id, name, size, chunks, sha256}`. A Content-Length, when sent, is the declared size
   * the backend checks the bytes against. A body that arrives slower than
   * BODY_MIN_BYTES_PER_SECOND is answered 408 and its upload dropped. An upload holds one
   * of its client's stream slots while it runs; past the limit it is answered 429. An upload
   * from a page of another origin is 403; one past the user's UPLOAD_QUOTA_BYTES is 413.
   */
  @Post()
  @HttpCode(201)
  @Policy({ access: 'signed-in', sameOrigin: true, rate: 'user-requests', stream: true })
  async upload(
    @Query() query: QueryParams,
    @SignedIn() caller: Caller,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ReturnType<typeof uploadJson>> {
    const length = request.headers['content-length'];
    const allowance = this.quota.forUpload(caller.user);
    try {
      const name = requiredParam(query, 'name');
      if (length !== undefined && Number(length) > (await this.quota.left(caller.user))) {
        throw await this.overQuota(caller);
      }
      const { response, servedBy } = await streamUpload(
        this.backends.client(UploadServiceDefinition),
        request.raw,
        callerMetadata(caller),
        {
          name,
          contentType: request.headers['content-type'] ?? 'application/octet-stream',
          size: length === undefined ? undefined : BigInt(length),
        },
        {
          deadlineMs: this.config.streamDeadlineMs,
          rate: {
            minBytesPerSecond: this.config.limits.bodyMinBytesPerSecond,
            windowMs: this.config.limits.bodyRateWindowMs,
          },
          onTooSlow: () => this.metrics.refused('body_rate'),
          take: (bytes) => allowance.take(bytes),
          overQuota: () => this.overQuota(caller),
        },
      );
      if (servedBy) void reply.header(SERVED_BY_HEADER, servedBy);
      return uploadJson(response);
    } catch (error) {
      await allowance.giveBack();
      // The rest of a refused body is not worth reading: answer, then close the connection.
      if (!request.raw.complete) void reply.header('connection', 'close');
      throw error;
    }
  }

  private async overQuota(caller: Caller): Promise<HttpException> {
    return new HttpException(
      `${caller.user} has ${await this.quota.left(caller.user)} bytes left of the ${this.quota.limit}-byte upload quota`,
      HttpStatus.PAYLOAD_TOO_LARGE,
    );
  }
}
