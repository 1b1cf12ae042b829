import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import fastifyApiReference from '@scalar/fastify-api-reference';
import { PUBLIC } from '../edge/route-policy';
import { registerWithJsonErrors } from '../http/json-error-scope';
import type { HttpRoute } from '../transcoding/http-routes';
import { openApiDocument } from './openapi-document';

export const OPENAPI_ROUTE = '/api/openapi.json';
export const API_DOCS_ROUTE = '/api/docs';

/** The version of the HTTP API the document describes: its contracts' (ticker.v1, …). */
const API_VERSION = 'v1';

/**
 * GET /api/openapi.json, the HTTP API as OpenAPI 3.1 (built once: the contracts do not change
 * while the gateway runs), and /api/docs, that document rendered by Scalar, its script served
 * from the package. Both open to anyone: they describe the API, they do not call it. The docs'
 * "Send" calls the API from the page, so a browser signed in (the session cookie) calls it
 * signed in. Scalar's fonts, telemetry, AI agent, MCP and proxy are off: the page loads
 * nothing from another host.
 */
export async function installApiDocs(
  app: NestFastifyApplication,
  routes: readonly HttpRoute[],
): Promise<void> {
  const document = JSON.stringify(openApiDocument(routes, API_VERSION));
  await registerWithJsonErrors(app, async (scope) => {
    // The plugin's routes declare no policy; in this scope every route is public.
    scope.addHook('onRoute', (route) => {
      route.config = { ...(route.config as object), policy: PUBLIC };
    });
    scope.get(OPENAPI_ROUTE, (_request, reply) =>
      reply.type('application/json; charset=utf-8').header('cache-control', 'no-cache').send(document),
    );
    await scope.register(fastifyApiReference, {
      routePrefix: API_DOCS_ROUTE,
      configuration: {
        url: OPENAPI_ROUTE,
        pageTitle: 'quartet API',
        withDefaultFonts: false,
        telemetry: false,
        showDeveloperTools: 'never',
        agent: { disabled: true },
        mcp: { disabled: true },
        hideClientButton: true,
        documentDownloadType: 'json',
      },
    });
  });
}
