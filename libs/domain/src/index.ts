// Public surface of @es/domain. A context's command and event modules are exported whole, so a new
// command or event needs no line here. The testing helpers (src/testing) are deliberately not
// exported: they depend on Jest and must never end up in an app bundle.

export type { Command, CommandIssuer, CommandMetadata, CommandPayload, DomainEvent, BoundedContext } from './shared/message';
export { BOUNDED_CONTEXT_NAMES, isBoundedContext } from './shared/message';
export { fold, type Decider } from './shared/decider';
export { assertExpectedVersion, nextVersion, NO_STREAM_VERSION, type Versioned } from './shared/aggregate-version';
export {
  ConcurrencyError,
  ConflictError,
  DOMAIN_ERROR_CODES,
  DomainError,
  fromErrorPayload,
  IdempotencyMismatchError,
  isDomainError,
  isErrorPayload,
  NotFoundError,
  toErrorPayload,
  UnknownEventTypeError,
  ValidationError,
  type DomainErrorCode,
  type ErrorPayload,
  type FieldError,
} from './shared/errors';

export { unstorableStringErrors, unstorableStringProblem } from './shared/validation';

export * from './inventory/product.commands';
export * from './inventory/product.events';
export { availableStock, initialProductState, PRODUCT_STATE_VERSION, type ProductState } from './inventory/product.state';
export { productDecider } from './inventory/product.decider';

export * from './orders/order.commands';
export * from './orders/order.events';
export { initialOrderState, ORDER_STATE_VERSION, type LineOutcome, type OrderState, type OrderStatus } from './orders/order.state';
export { orderDecider, UNSPECIFIED_REJECTION_REASON } from './orders/order.decider';
export {
  ORDER_PLACED_V1_SCHEMA_VERSION,
  ORDER_PLACED_V2_SCHEMA_VERSION,
  upcastOrderPlacedV1toV2,
  type OrderPlacedV1Data,
} from './orders/order-placed.upcaster';

export { EVENT_SCHEMA_VERSIONS, type DomainEventType } from './event-schema-versions.constants';

export {
  FULFILLMENT_SUBSCRIBED_EVENT_TYPES,
  FULFILLMENT_SUBSCRIPTIONS,
  fulfillmentCommandIds,
  fulfillmentReactions,
  isFulfillmentTrigger,
  type FulfillmentTriggerType,
  type ObservedEvent,
  type PlannedCommand,
} from './fulfillment/fulfillment.process';

export {
  BOUNDED_CONTEXTS,
  CLIENT_COMMAND_TYPES,
  contextOfCommandType,
  inventoryContext,
  ordersContext,
  type BoundedContextDefinition,
  type ClientCommandPayload,
  type ClientCommandType,
  type DomainCommand,
  type DomainCommandType,
} from './bounded-contexts.constants';
