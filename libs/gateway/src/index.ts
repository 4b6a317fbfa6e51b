export * from './gateway-directory';
export * from './gateway-server';
export { containerSecret, credentialDigestOf } from './auth/credentials';
export type { Identity } from './auth/identity';
