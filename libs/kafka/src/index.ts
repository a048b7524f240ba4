export * from './kafka-client.factory';
export * from './topics';
export * from './topic-provisioner';
export * from './kafka-health.indicator';
export * from './kafka.module';
export * from './supervised-consumer';
export * from './command-transport';
export * from './kafka-partition-log';
