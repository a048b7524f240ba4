export * from './event-envelope';
export * from './position';
export * from './upcasting';
export * from './event-serializer';
export * from './command-envelope';
export * from './partition-log.port';
export * from './in-memory-partition-log';
export * from './outcome-index';
