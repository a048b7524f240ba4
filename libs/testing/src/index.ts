export * from './namespace';
export * from './wait-for';
export * from './free-port';
export * from './app-process';
export * from './read-topic';
export * from './write-side-harness';
export * from './drop-namespace';
export * from './browser';
