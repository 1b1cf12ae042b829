/**
 * The most bytes one `chunk` of `upload.v1.UploadService/Upload` may carry, as upload.proto
 * states: the upload service refuses a bigger one, and every client (the gateway) splits a
 * body into chunks of at most this size.
 */
export const UPLOAD_MAX_CHUNK_BYTES = 1024 * 1024;
