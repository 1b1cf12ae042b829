/**
 * The response header (and, for trailers-only answers, trailer) in which every quartet
 * service names the instance that answered; clients and the gateway read it back.
 */
export const SERVED_BY_HEADER = 'x-served-by';
