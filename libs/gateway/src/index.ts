export * from './gateway-directory';
