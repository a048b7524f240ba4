export * from './runtime/projection-fold';
export * from './runtime/projection-spec';
export * from './runtime/projection-runner';
export * from './runtime/projection-supervisor';
export * from './orders/order-summary.fold';
export * from './inventory/product-stock.fold';
export * from './nest/projector.module';
export * from './cli/rebuild.cli';
