import type { Metadata, ServerWritableStream } from '@grpc/grpc-js';
import { Controller } from '@nestjs/common';
import {
  type TickerServiceController,
  TickerServiceControllerMethods,
  type WatchRequest,
  type WatchResponse,
} from '@quartet/proto';
import type { Observable } from 'rxjs';
import { TickerService } from './ticker.service';

@Controller()
@TickerServiceControllerMethods()
export class TickerController implements TickerServiceController {
  constructor(private readonly ticker: TickerService) {}

  watch(
    request: WatchRequest,
    _metadata: Metadata,
    call: ServerWritableStream<WatchRequest, WatchResponse>,
  ): Observable<WatchResponse> {
    return this.ticker.watch(request, call);
  }
}
