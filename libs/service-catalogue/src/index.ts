export * from './lib/catalogue';
