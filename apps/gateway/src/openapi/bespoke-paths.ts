import type { Schema } from './message-schemas';

// The routes the contracts do not declare, written down by hand: each is a route of its own
// in apps/gateway (auth/, upload/, chat/, health/), and its e2e spec says what it does.

export const ERROR_SCHEMA: Schema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: {
          type: 'string',
          description: 'A gRPC status name (INVALID_ARGUMENT), or BAD_REQUEST and the like',
        },
        message: { type: 'string' },
      },
    },
  },
};

const error = (description: string): Schema => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

export const ERROR_RESPONSES: Record<string, Schema> = {
  '400': error('A bad parameter or body (BAD_REQUEST, naming it), or the service’s INVALID_ARGUMENT'),
  '401': error('Not signed in'),
  '429': error('Over the rate or the stream limit'),
  '503': error('The service is unavailable, or the gateway is shutting down'),
};

const PUBLIC: Schema[] = [];
const json = (schema: Schema): Schema => ({ content: { 'application/json': { schema } } });
const SESSION = {
  type: 'object',
  properties: {
    token: { type: 'string' },
    user: { type: 'string' },
    expiresAt: { type: 'string', format: 'date-time' },
  },
};

export const BESPOKE_PATHS: Record<string, Record<string, Schema>> = {
  '/api/session': {
    post: {
      operationId: 'session.signIn',
      summary: 'Sign in as a guest',
      description:
        'A guest session for the name given: the token, and the HttpOnly session cookie. From a page, only of the gateway’s own origin.',
      tags: ['session'],
      security: PUBLIC,
      requestBody: {
        required: true,
        ...json({
          type: 'object',
          required: ['user'],
          properties: { user: { type: 'string', maxLength: 32 } },
        }),
      },
      responses: { '201': { description: 'Signed in', ...json(SESSION) }, ...ERROR_RESPONSES },
    },
    get: {
      operationId: 'session.current',
      summary: 'Who the token is',
      tags: ['session'],
      responses: {
        '200': {
          description: 'The signed-in user',
          ...json({
            type: 'object',
            properties: { user: { type: 'string' }, expiresAt: { type: 'string', format: 'date-time' } },
          }),
        },
        ...ERROR_RESPONSES,
      },
    },
    delete: {
      operationId: 'session.signOut',
      summary: 'Sign out',
      description: 'Ends the session: the token is refused from now on, and the cookie is cleared.',
      tags: ['session'],
      responses: { '204': { description: 'Signed out' }, ...ERROR_RESPONSES },
    },
  },
  '/api/uploads': {
    post: {
      operationId: 'upload.v1.UploadService.Upload',
      summary: 'Upload a file',
      description:
        'The raw body streams through to upload.v1.UploadService/Upload (client streaming) as chunks; Content-Length, when sent, is the declared size.',
      tags: ['upload.v1.UploadService'],
      parameters: [{ name: 'name', in: 'query', required: true, schema: { type: 'string' } }],
      requestBody: {
        required: true,
        content: {
          'application/octet-stream': {
            schema: { type: 'string', contentMediaType: 'application/octet-stream' },
          },
        },
      },
      responses: {
        '201': {
          description: 'Stored',
          ...json({
            type: 'object',
            properties: {
              id: { type: 'string' },
              name: { type: 'string' },
              size: { type: 'integer' },
              chunks: { type: 'integer' },
              sha256: { type: 'string' },
            },
          }),
        },
        '413': error('Over the upload size limit or the user’s quota'),
        ...ERROR_RESPONSES,
      },
    },
  },
  '/api/chat': {
    get: {
      operationId: 'chat.v1.ChatService.Chat',
      summary: 'Chat in a room (WebSocket)',
      description:
        'A WebSocket to chat.v1.ChatService/Chat (bidi). Send {"type":"post","text","clientId"}; receive joined, message, presence, presence-changes, members (the count of a room above CHAT_PRESENCE_LIST_MAX users, whose names GET /api/chat/rooms/{room}/members gives) and error frames, as JSON.',
      tags: ['chat.v1.ChatService'],
      parameters: [
        { name: 'room', in: 'query', required: true, schema: { type: 'string' } },
        {
          name: 'since',
          in: 'query',
          description: 'The last seq seen: the room’s posts after it are sent first',
          schema: { type: 'integer' },
        },
      ],
      responses: { '101': { description: 'Switching to the WebSocket' }, ...ERROR_RESPONSES },
    },
  },
  '/healthz': {
    get: {
      operationId: 'health.live',
      summary: 'Liveness',
      tags: ['health'],
      security: PUBLIC,
      responses: { '200': { description: 'Alive', ...json({ type: 'object' }) } },
    },
  },
  '/readyz': {
    get: {
      operationId: 'health.ready',
      summary: 'Readiness of every backend',
      tags: ['health'],
      security: PUBLIC,
      responses: {
        '200': { description: 'Every backend SERVING', ...json({ type: 'object' }) },
        '503': { description: 'Which backend is not SERVING, and why', ...json({ type: 'object' }) },
      },
    },
  },
};
