export * from './config-error';
export * from './config-schema';
export * from './config-loader';
export * from './did-you-mean';
