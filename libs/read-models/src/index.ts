export * from './database';
export * from './postgres-health.indicator';
export * from './migrations/meta';
export * from './database.module';
