import type { ChatResponse, UploadResponse } from '@quartet/proto';

// The JSON of the routes the contracts do not declare (the transcoder writes the others,
// transcoding/message-json.ts, in the same style): plain numbers for seq and sizes (they stay
// far below 2^53), ISO-8601 strings for times, and one `type` field naming the event of a oneof.

export function uploadJson(upload: UploadResponse) {
  return { ...upload, size: Number(upload.size) };
}

export function chatEventJson({ event }: ChatResponse) {
  switch (event?.$case) {
    case 'joined':
      return { type: 'joined', ...event.value, lastSeq: Number(event.value.lastSeq) };
    case 'message':
      return {
        type: 'message',
        ...event.value,
        seq: Number(event.value.seq),
        time: event.value.time?.toISOString(),
      };
    case 'presence':
      return { type: 'presence', ...event.value };
    case 'presenceChanges':
      return { type: 'presence-changes', changes: event.value.changes };
    case 'members':
      return { type: 'members', ...event.value };
    default:
      return undefined;
  }
}
