import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { Authenticator } from './auth/authenticator';
import { RevokedTokens } from './auth/revoked-tokens';
import { SessionController } from './auth/session.controller';
import { Backends } from './backends/backends';
import { ChatSocketServer } from './chat/chat-socket.server';
import { GATEWAY_CONFIG, type GatewayConfig } from './config';
import { HealthController } from './health/health.controller';
import { HttpErrorsFilter } from './http/http-errors.filter';
import { ClientStreams } from './limits/client-streams';
import { UploadQuota } from './limits/upload-quota';
import { SharedState } from './shared-state/shared-state';
import { GatewayDrain } from './lifecycle/gateway-drain';
import { GatewayMetrics } from './metrics/gateway-metrics';
import { MetricsListener } from './metrics/metrics-listener';
import { UploadController } from './upload/upload.controller';
import { TranscodedRoutes } from './transcoding/transcoded-routes';
import { WebPage } from './web/web-page';
import { WebPageController } from './web/web-page.controller';

@Module({})
export class GatewayModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    return {
      module: GatewayModule,
      controllers: [UploadController, HealthController, SessionController, WebPageController],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        GatewayMetrics,
        Backends,
        SharedState,
        ClientStreams,
        RevokedTokens,
        Authenticator,
        UploadQuota,
        GatewayDrain,
        MetricsListener,
        ChatSocketServer,
        WebPage,
        TranscodedRoutes,
        { provide: APP_FILTER, useClass: HttpErrorsFilter },
      ],
    };
  }
}
