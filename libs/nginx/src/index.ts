export * from './lib/nginx-config';
export * from './lib/nginx-process';
