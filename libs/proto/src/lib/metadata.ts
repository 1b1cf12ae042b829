/**
 * The response header (and, for trailers-only answers, trailer) in which every quartet
 * service names the instance that answered; clients and the gateway read it back.
 */
export const SERVED_BY_HEADER = 'x-served-by';

/**
 * The request header naming a chat call's room. Rooms live in one chat replica's memory, so a
 * proxy with several chat replicas routes by it (deploy/nginx: `hash $http_x_chat_room`).
 */
export const CHAT_ROOM_HEADER = 'x-chat-room';
