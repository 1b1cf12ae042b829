import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { Backends } from './backends/backends';
import { GATEWAY_CONFIG, type GatewayConfig } from './config';
import { HealthController } from './health/health.controller';
import { HelloController } from './hello/hello.controller';
import { HttpErrorsFilter } from './http/http-errors.filter';

@Module({})
export class GatewayModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    return {
      module: GatewayModule,
      controllers: [HelloController, HealthController],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        Backends,
        { provide: APP_FILTER, useClass: HttpErrorsFilter },
      ],
    };
  }
}
