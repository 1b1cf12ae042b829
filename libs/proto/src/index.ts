export * from './index.generated';
export { FILE_DESCRIPTOR_SET } from './generated/file-descriptor-set';
export { HTTP_SERVICE_CONFIGS } from './generated/http-service-configs';
export * from './lib/grpc-js';
export { CHAT_ROOM_HEADER, SERVED_BY_HEADER } from './lib/metadata';
export { serviceDefinition } from './lib/service-definitions';
export { UPLOAD_MAX_CHUNK_BYTES } from './lib/upload-limits';
